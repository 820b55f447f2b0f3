package dev.weft.testing.traces;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One span as Zipkin's v2 API returns it.
 *
 * @param traceId lower-case hex (16 or 32 characters, as Zipkin stored it)
 * @param id the span id, lower-case hex
 * @param parentId the parent span id, or {@code ""} for a root span
 * @param name the span name (Zipkin lower-cases it)
 * @param kind {@code SERVER}, {@code CLIENT}, {@code PRODUCER}, {@code CONSUMER}, or {@code ""}
 * @param serviceName {@code localEndpoint.serviceName}, or {@code ""}
 * @param tags the span's tags
 * @param json the span's JSON exactly as Zipkin returned it
 */
public record ZipkinSpan(
    String traceId,
    String id,
    String parentId,
    String name,
    String kind,
    String serviceName,
    Map<String, String> tags,
    String json) {

  static ZipkinSpan of(JsonNode node) {
    Map<String, String> tags = new LinkedHashMap<>();
    JsonNode tagNode = node.path("tags");
    for (Map.Entry<String, JsonNode> e : tagNode.properties()) {
      tags.put(e.getKey(), e.getValue().asText());
    }
    return new ZipkinSpan(
        node.path("traceId").asText(""),
        node.path("id").asText(""),
        node.path("parentId").asText(""),
        node.path("name").asText(""),
        node.path("kind").asText(""),
        node.path("localEndpoint").path("serviceName").asText(""),
        Collections.unmodifiableMap(tags),
        node.toString());
  }

  public String tag(String key) {
    return tags.get(key);
  }

  public boolean isRoot() {
    return parentId.isEmpty();
  }
}
