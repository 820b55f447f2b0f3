package dev.weft.runtime.metrics.push;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Sends what /metrics serves to a Prometheus Pushgateway: one {@code PUT} of the text exposition
 * format to {@code <url>/metrics/job/<job>/instance/<instance>}, which replaces that group's
 * metrics. Counters stay cumulative, so a scrape of the Pushgateway after the JVM is gone shows
 * its final totals.
 *
 * <p>Weft has its own small sender because client_java's Pushgateway exporter is not available at
 * the client_java version Weft bundles (only an older release is served, which pulls in the
 * protobuf writer Weft leaves out), and a PUT of the text format over {@link HttpURLConnection}
 * is all the protocol needs.
 */
final class PushgatewayPush {

  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final URL url;
  private final int timeoutMillis;
  private final PrometheusTextFormatWriter writer =
      PrometheusTextFormatWriter.builder().setIncludeCreatedTimestamps(false).build();

  PushgatewayPush(String baseUrl, String job, String instance, int timeoutMillis)
      throws IOException {
    this.url = new URL(groupUrl(baseUrl, job, instance));
    this.timeoutMillis = timeoutMillis;
  }

  URL url() {
    return url;
  }

  /**
   * The URL of a grouping key, by the Pushgateway's rules: a label value made of URL-safe
   * characters goes as it is; any other (a '/', a space, non-ASCII, or empty) goes base64url
   * encoded, its label name suffixed {@code @base64}.
   */
  static String groupUrl(String baseUrl, String job, String instance) {
    String base = baseUrl;
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return base + "/metrics/" + segment("job", job) + "/" + segment("instance", instance);
  }

  private static String segment(String label, String value) {
    if (!value.isEmpty() && isPlain(value)) {
      return label + "/" + value;
    }
    String encoded =
        Base64.getUrlEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    // The Pushgateway reads an empty value as '=' (one padding character), as its docs say.
    return label + "@base64/" + (encoded.isEmpty() ? "=" : encoded);
  }

  private static boolean isPlain(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean plain =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || c == '.'
              || c == '~';
      if (!plain) {
        return false;
      }
    }
    // "." and ".." would be read as path steps.
    return !value.equals(".") && !value.equals("..");
  }

  /** The request body: the Prometheus text format, without {@code _created} series. */
  byte[] body(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    writer.write(out, snapshots);
    return out.toByteArray();
  }

  /** One PUT; a refusal or an unreachable Pushgateway is an IOException naming the URL. */
  void push(MetricSnapshots snapshots) throws IOException {
    byte[] body = body(snapshots);
    HttpURLConnection connection = (HttpURLConnection) url.openConnection();
    try {
      connection.setRequestMethod("PUT");
      connection.setConnectTimeout(timeoutMillis);
      connection.setReadTimeout(timeoutMillis);
      connection.setDoOutput(true);
      connection.setRequestProperty("Content-Type", CONTENT_TYPE);
      connection.setFixedLengthStreamingMode(body.length);
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
      int status = connection.getResponseCode();
      String answer = read(status >= 400 ? connection.getErrorStream() : connection.getInputStream());
      if (status < 200 || status >= 300) {
        throw new IOException(
            "the Pushgateway at " + url + " answered " + status + ": " + answer.trim());
      }
    } finally {
      connection.disconnect();
    }
  }

  private static String read(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (InputStream stream = in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[1024];
      int n;
      while ((n = stream.read(buffer)) != -1 && out.size() < 4096) {
        out.write(buffer, 0, n);
      }
      return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
  }
}
