package dev.weft.bench.micro;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.config.EnableWebFlux;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * One HTTP request to an in-process Spring WebFlux application (an annotated controller behind
 * WebFlux's {@code DispatcherHandler}, no Spring Boot) on Reactor Netty over loopback, with the
 * JDK's own client on a kept-alive connection: the route template is {@code /users/{id}}.
 */
@State(Scope.Benchmark)
public class WebFluxRequestBenchmark {

  private AnnotationConfigApplicationContext context;
  private DisposableServer server;
  private HttpClient client;
  private HttpRequest request;

  @Setup(Level.Trial)
  public void start() {
    context = new AnnotationConfigApplicationContext(App.class);
    HttpHandler handler = WebHttpHandlerBuilder.applicationContext(context).build();
    server =
        HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .handle(new ReactorHttpHandlerAdapter(handler))
            .bindNow();
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path()))
            .GET()
            .build();
  }

  /** The request's path. */
  protected String path() {
    return "/users/42";
  }

  @Benchmark
  public String request() throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
  }

  @TearDown(Level.Trial)
  public void stop() {
    server.disposeNow();
    context.close();
  }

  /** The application: WebFlux's own configuration and one controller. */
  @Configuration(proxyBeanMethods = false)
  @EnableWebFlux
  public static class App {
    @Bean
    public Users users() {
      return new Users();
    }

    @Bean
    public Chain chain() {
      return new Chain();
    }
  }

  /**
   * Answers {@code GET /chain/{id}} after a {@code publishOn} hop and a {@code flatMap} over three
   * calls on bounded-elastic: the reactive chain whose context Weft carries across threads.
   */
  @RestController
  public static class Chain {
    @GetMapping("/chain/{id}")
    public Mono<String> chain(@PathVariable("id") String id) {
      return Mono.just(id)
          .publishOn(Schedulers.parallel())
          .flatMapMany(
              x ->
                  Flux.range(0, 3)
                      .flatMap(
                          i ->
                              Mono.fromCallable(() -> x + i)
                                  .subscribeOn(Schedulers.boundedElastic())))
          .collectList()
          .map(parts -> "hello " + parts.size());
    }
  }

  /** Answers {@code GET /users/{id}} with a small body. */
  @RestController
  public static class Users {
    @GetMapping("/users/{id}")
    public Mono<String> user(@PathVariable("id") String id) {
      return Mono.just("hello " + id);
    }
  }
}
