package dev.weft.testing.traces;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One span as an OTLP receiver got it, decoded with the official {@code opentelemetry-proto}
 * classes: the proto itself ({@link #proto()}) plus the usual fields in readable form.
 *
 * @param traceId lower-case hex, 32 characters
 * @param spanId lower-case hex, 16 characters
 * @param parentSpanId lower-case hex, or {@code ""} for a root span
 * @param name the span name
 * @param kind {@code SERVER}, {@code CLIENT}, {@code INTERNAL}, {@code PRODUCER}, {@code CONSUMER}
 *     or {@code UNSPECIFIED}
 * @param attributes the span's attributes, values rendered as text (arrays as {@code [a, b]})
 * @param resource the attributes of the span's resource, rendered the same way
 * @param scope the name of the instrumentation scope
 * @param proto the span exactly as received
 * @param resourceProto the resource exactly as received
 */
public record ReceivedSpan(
    String traceId,
    String spanId,
    String parentSpanId,
    String name,
    String kind,
    Map<String, String> attributes,
    Map<String, String> resource,
    String scope,
    Span proto,
    Resource resourceProto) {

  private static final HexFormat HEX = HexFormat.of();

  static ReceivedSpan of(Resource resource, String scope, Span span) {
    String kind = span.getKind().name();
    if (kind.startsWith("SPAN_KIND_")) {
      kind = kind.substring("SPAN_KIND_".length());
    }
    return new ReceivedSpan(
        hex(span.getTraceId()),
        hex(span.getSpanId()),
        hex(span.getParentSpanId()),
        span.getName(),
        kind,
        render(span.getAttributesList()),
        render(resource.getAttributesList()),
        scope,
        span,
        resource);
  }

  /** The attribute, or null. */
  public String attribute(String key) {
    return attributes.get(key);
  }

  /** The resource attribute, or null. */
  public String resourceAttribute(String key) {
    return resource.get(key);
  }

  /**
   * The W3C trace flags of the span's context as two lower-case hex digits ({@code 01} sampled,
   * {@code 03} sampled with a random trace id), from the low byte of the OTLP {@code flags} field.
   */
  public String traceFlags() {
    return String.format("%02x", proto.getFlags() & 0xff);
  }

  public boolean isRoot() {
    return parentSpanId.isEmpty();
  }

  /**
   * Everything received for this span and its resource in protobuf's text format: for "this
   * string appears nowhere" checks.
   */
  public String fullText() {
    return resourceProto + "\n" + proto;
  }

  @Override
  public String toString() {
    return kind + " '" + name + "' trace=" + traceId + " span=" + spanId
        + (parentSpanId.isEmpty() ? "" : " parent=" + parentSpanId) + " " + attributes
        + " resource=" + resource;
  }

  private static String hex(ByteString bytes) {
    return bytes.isEmpty() ? "" : HEX.formatHex(bytes.toByteArray());
  }

  private static Map<String, String> render(List<KeyValue> attributes) {
    Map<String, String> map = new LinkedHashMap<>();
    for (KeyValue kv : attributes) {
      map.put(kv.getKey(), render(kv.getValue()));
    }
    return Collections.unmodifiableMap(map);
  }

  static String render(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        return value.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(value.getBoolValue());
      case INT_VALUE:
        return Long.toString(value.getIntValue());
      case DOUBLE_VALUE:
        return Double.toString(value.getDoubleValue());
      case ARRAY_VALUE:
        return value.getArrayValue().getValuesList().stream()
            .map(ReceivedSpan::render)
            .collect(Collectors.joining(", ", "[", "]"));
      case KVLIST_VALUE:
        return render(value.getKvlistValue().getValuesList()).toString();
      case BYTES_VALUE:
        return HEX.formatHex(value.getBytesValue().toByteArray());
      default:
        return "";
    }
  }
}
