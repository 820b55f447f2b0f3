package dev.weft.instrumentation.vertx.web.v4;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * RED metrics, SERVER spans and the request's context for Vert.x 4.x and 5.x HTTP/1.x servers,
 * with the route template Vert.x Web matched as the endpoint. Two parts:
 *
 * <ul>
 *   <li>when Vert.x's own HTTP/1.x codec ({@code VertxHttpRequestDecoder} and {@code
 *       VertxHttpResponseEncoder}, which the netty-4.1 module leaves alone) joins a channel's
 *       pipeline, Weft's handler (the netty-4.1 module's {@code NettyServerHandler}, one
 *       implementation of the HTTP/1.x rules for every Netty server) is placed right after it,
 *       counting every request under the fixed endpoint {@code /} until a route names it;
 *   <li>when Vert.x Web hands a request to the handlers of a route with a path, the route's
 *       template ({@code /orders/:id}, under its sub-router's mount point) goes to that handler.
 * </ul>
 *
 * The pipeline names, codec class names and Vert.x Web's {@code RouteState} are the same from Vert.x
 * 4.0.0 to 5.2.x (the codec classes moved to the http1 sub-package in 5.x after 5.0).
 */
public final class VertxWebInstrumentationModule extends InstrumentationModule {

  public VertxWebInstrumentationModule() {
    super("vertx-web-4");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new ChannelPipelineInstrumentation(), new RouteStateInstrumentation());
  }

  /**
   * Typed against Netty and Vert.x: defined in the class loader of each woven class before it is
   * woven. Named as text: a class literal would load them where this module is loaded.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    String pkg = VertxWebInstrumentationModule.class.getPackage().getName() + ".";
    return Arrays.asList(
        pkg + "VertxPipelines",
        pkg + "VertxRoutes",
        "dev.weft.instrumentation.netty.v4_1.NettyServerHandler");
  }
}
