package dev.weft.smoke.webflux;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Spring WebFlux on Spring Boot's Reactor Netty server, with no Weft code. Listens on
 * {@code server.port} (0 in application.properties: a port of its own) and prints
 * {@code webflux-service listening on http://127.0.0.1:<port>} once ready.
 *
 * <ul>
 *   <li>{@code GET /orders/{id}} (annotated controller): 200, {@code order <id>}.
 *   <li>{@code GET /orders/{id}/fail} (annotated controller): an error signal ({@code
 *       Mono.error}), which WebFlux answers with 500.
 *   <li>{@code GET /items/{sku}} (a {@link RouterFunction}): 200, {@code item <sku>}.
 *   <li>anything else: WebFlux's 404.
 * </ul>
 *
 * <p>The handlers log one line per request, {@code request <method> <uri> -> <status> on
 * <connection>}, through SLF4J and Logback, whose pattern shows Weft's MDC ids (logback.xml);
 * {@code <connection>} is the first part of Reactor Netty's request id (connection-request).
 */
@SpringBootApplication
@RestController
public class WebFluxService {

  private static final Logger REQUESTS = LoggerFactory.getLogger("dev.weft.smoke.webflux.Requests");

  public static void main(String[] args) {
    SpringApplication.run(WebFluxService.class, args);
  }

  @EventListener(ApplicationReadyEvent.class)
  public void ready(ApplicationReadyEvent event) {
    String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
    System.out.println("webflux-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  @GetMapping("/orders/{id}")
  public Mono<String> order(@PathVariable String id, ServerHttpRequest request) {
    log(request, 200);
    return Mono.just("order " + id + "\n");
  }

  @GetMapping("/orders/{id}/fail")
  public Mono<String> fail(@PathVariable String id, ServerHttpRequest request) {
    log(request, 500);
    return Mono.error(new IllegalStateException("failing on purpose for order " + id));
  }

  @Bean
  RouterFunction<ServerResponse> items() {
    return route(GET("/items/{sku}"), request -> {
      log(request.exchange().getRequest(), 200);
      return ServerResponse.ok().bodyValue("item " + request.pathVariable("sku") + "\n");
    });
  }

  private static void log(ServerHttpRequest request, int status) {
    String id = request.getId();
    int dash = id.indexOf('-');
    String connection = dash > 0 ? id.substring(0, dash) : id;
    REQUESTS.info("request {} {} -> {} on {}", request.getMethod().name(),
        request.getURI().getRawPath()
            + (request.getURI().getRawQuery() == null ? "" : "?" + request.getURI().getRawQuery()),
        status, connection);
  }
}
