package dev.weft.bench.micro;

/**
 * One HTTP request to the same in-process Spring WebFlux application as {@link
 * WebFluxRequestBenchmark}, to {@code /chain/{id}}: the controller's {@code Mono} hops to the
 * parallel scheduler ({@code publishOn}) and fans out over three {@code Mono.fromCallable} calls
 * on bounded-elastic ({@code flatMap}, {@code subscribeOn}) before it answers, so the request's
 * context crosses four threads (the reactor-core-3 module's hooks at work with traces on).
 */
public class WebFluxChainRequestBenchmark extends WebFluxRequestBenchmark {

  @Override
  protected String path() {
    return "/chain/42";
  }
}
