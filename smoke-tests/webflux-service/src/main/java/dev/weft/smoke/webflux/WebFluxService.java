package dev.weft.smoke.webflux;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

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
 *   <li>{@code GET /chain/{id}}: logs {@code chain <id> received} in the controller, hops to
 *       bounded-elastic ({@code publishOn}) and logs {@code published} there, then {@code flatMap}s
 *       over three {@code WebClient} calls to {@code GET <downstream.url>/orders/<id>-<i>}
 *       (another instance of this service; this one by default), logging {@code reply <i>} as each
 *       answer arrives (on the client's event loop), and {@code done} when all three are in;
 *       answers the three bodies. No Weft code: the log lines carry the request's ids only if
 *       Weft carries its context along the chain.
 *   <li>{@code GET /hang/{id}}: never answers ({@code Mono.never()}): the client gives up.
 *   <li>{@code GET /slow/{id}}: never completes by itself; the application's own {@code
 *       timeout(200 ms)} ends it with an error signal (WebFlux answers 500).
 *   <li>{@code GET /stream/{id}}: an endless streamed response, a line 20 ms after the client's
 *       demand for it, until the client goes away.
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
  private static final Logger CHAIN = LoggerFactory.getLogger("dev.weft.smoke.webflux.Chain");

  /** Where /chain calls go: another instance of this service, or this one when not set. */
  @Value("${downstream.url:}")
  private String downstreamUrl;

  @Value("${local.server.port:0}")
  private int localPort;

  private volatile WebClient downstream;

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

  @GetMapping("/chain/{id}")
  public Mono<String> chain(@PathVariable String id) {
    CHAIN.info("chain {} received", id);
    WebClient client = downstream();
    return Mono.just(id)
        .publishOn(Schedulers.boundedElastic())
        .doOnNext(x -> CHAIN.info("chain {} published", id))
        .flatMapMany(x -> Flux.range(0, 3)
            .flatMap(i -> client.get().uri("/orders/{id}", id + "-" + i)
                .retrieve()
                .bodyToMono(String.class)
                .doOnNext(body -> CHAIN.info("chain {} reply {}", id, i))))
        .collectList()
        .map(bodies -> {
          CHAIN.info("chain {} done", id);
          return String.join("", bodies.stream().sorted().toList());
        });
  }

  @GetMapping("/hang/{id}")
  public Mono<String> hang(@PathVariable String id, ServerHttpRequest request) {
    log(request, 0);
    return Mono.never();
  }

  @GetMapping("/slow/{id}")
  public Mono<String> slow(@PathVariable String id, ServerHttpRequest request) {
    log(request, 500);
    return Mono.<String>never().timeout(Duration.ofMillis(200));
  }

  @GetMapping(value = "/stream/{id}", produces = MediaType.TEXT_PLAIN_VALUE)
  public Flux<String> stream(@PathVariable String id, ServerHttpRequest request) {
    log(request, 200);
    // Paced by demand: Flux.interval would signal an overflow error (and the connection would close
    // after the headers) whenever the writer asked for the next line more than 20 ms late, which a
    // busy two-core machine does.
    return Flux.range(0, Integer.MAX_VALUE)
        .delayElements(Duration.ofMillis(20))
        .map(i -> "line " + i + "\n");
  }

  private WebClient downstream() {
    WebClient client = downstream;
    if (client == null) {
      String base = downstreamUrl.isEmpty() ? "http://127.0.0.1:" + localPort : downstreamUrl;
      // Room for a thousand chains at once: connections up to 200, the rest wait their turn.
      ConnectionProvider connections = ConnectionProvider.builder("downstream")
          .maxConnections(200)
          .pendingAcquireMaxCount(-1)
          .pendingAcquireTimeout(Duration.ofSeconds(60))
          .build();
      client = WebClient.builder()
          .baseUrl(base)
          .clientConnector(new ReactorClientHttpConnector(HttpClient.create(connections)))
          .build();
      downstream = client;
    }
    return client;
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
