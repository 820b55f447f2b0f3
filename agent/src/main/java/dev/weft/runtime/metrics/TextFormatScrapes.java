package dev.weft.runtime.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.exporter.httpserver.HttpExchangeAdapter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * The /metrics handler: Prometheus client_java's own scrape handler, answering in the Prometheus
 * text format or OpenMetrics. Weft bundles no protobuf writer (it emits classic histograms only,
 * which the text formats carry whole), and client_java's handler would answer a scrape that
 * prefers protobuf with a 500; so the protobuf media range is taken out of the Accept header
 * first, and the scrape gets the next format it lists (Prometheus always lists OpenMetrics and
 * the text format after protobuf), or the text format when it lists nothing else.
 */
final class TextFormatScrapes implements HttpHandler {

  private static final String PROTOBUF = "application/vnd.google.protobuf";

  private final PrometheusScrapeHandler scrapes;

  TextFormatScrapes(PrometheusRegistry registry) {
    this.scrapes = new PrometheusScrapeHandler(PrometheusProperties.get(), registry);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    HttpExchangeAdapter adapter = new HttpExchangeAdapter(exchange);
    scrapes.handleRequest(new TextOnly(adapter));
  }

  /** The Accept header without its protobuf media ranges (null when nothing else is left). */
  static String withoutProtobuf(String accept) {
    if (accept == null || !accept.toLowerCase(Locale.ROOT).contains(PROTOBUF)) {
      return accept;
    }
    StringBuilder kept = new StringBuilder();
    for (String range : accept.split(",")) {
      if (range.trim().isEmpty() || range.toLowerCase(Locale.ROOT).contains(PROTOBUF)) {
        continue;
      }
      if (kept.length() > 0) {
        kept.append(',');
      }
      kept.append(range.trim());
    }
    return kept.length() == 0 ? null : kept.toString();
  }

  private static final class TextOnly implements PrometheusHttpExchange {
    private final HttpExchangeAdapter exchange;
    private final PrometheusHttpRequest request;

    TextOnly(HttpExchangeAdapter exchange) {
      this.exchange = exchange;
      this.request = new Request(exchange.getRequest());
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return request;
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return exchange.getResponse();
    }

    @Override
    public void handleException(IOException e) throws IOException {
      exchange.handleException(e);
    }

    @Override
    public void handleException(RuntimeException e) {
      exchange.handleException(e);
    }

    @Override
    public void close() {
      exchange.close();
    }
  }

  private static final class Request implements PrometheusHttpRequest {
    private final PrometheusHttpRequest request;

    Request(PrometheusHttpRequest request) {
      this.request = request;
    }

    @Override
    public String getQueryString() {
      return request.getQueryString();
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      Enumeration<String> values = request.getHeaders(name);
      if (values == null || !"accept".equalsIgnoreCase(name)) {
        return values;
      }
      List<String> kept = new ArrayList<>();
      while (values.hasMoreElements()) {
        String value = withoutProtobuf(values.nextElement());
        if (value != null) {
          kept.add(value);
        }
      }
      return Collections.enumeration(kept);
    }

    @Override
    public String getMethod() {
      return request.getMethod();
    }

    @Override
    public String getRequestPath() {
      return request.getRequestPath();
    }

    @Override
    public String[] getParameterValues(String name) {
      return request.getParameterValues(name);
    }
  }
}
