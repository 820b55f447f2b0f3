package dev.weft.instrumentation.reactor.netty.v1;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * RED metrics, SERVER spans and the request's context for Reactor Netty 1.x HTTP/1.1 servers
 * (Spring WebFlux, Spring Cloud Gateway, Reactor Netty's own {@code HttpServer}). When Reactor
 * Netty's codec ({@code reactor.left.httpCodec}) joins a pipeline, Weft's handler (the netty-4.1
 * module's {@code NettyServerHandler}, one implementation of the HTTP/1.x rules for both) is
 * placed right after it. Reactor Netty alone knows no route templates:
 * a request counts under the fixed endpoint {@code /} (never the raw path) unless it matched one of
 * Reactor Netty's own routes ({@code HttpServer.route}: its template) or a web framework's module
 * (spring-webflux-6) hands the handler the route it matched.
 *
 * <p>Client calls of Reactor Netty's {@code HttpClient} (and so of Spring's {@code WebClient}):
 * see {@link HttpClientConnectInstrumentation}, {@link ReactorClientCall} and {@link
 * ReactorNettyClientHandler}, placed after Reactor Netty's client codec.
 */
public final class ReactorNettyInstrumentationModule extends InstrumentationModule {

  public ReactorNettyInstrumentationModule() {
    super("reactor-netty-1");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new ChannelPipelineInstrumentation(),
        new RoutesInstrumentation(),
        new HttpClientConnectInstrumentation());
  }

  /**
   * Typed against Netty: defined in the class loader of Netty's {@code DefaultChannelPipeline}
   * before it is woven. Named as text: a class literal would load them where this module is loaded.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    String pkg = ReactorNettyInstrumentationModule.class.getPackage().getName() + ".";
    return Arrays.asList(
        pkg + "ReactorNettyPipelines",
        pkg + "ReactorNettyRoutes",
        "dev.weft.instrumentation.netty.v4_1.NettyServerHandler",
        "dev.weft.instrumentation.netty.v4_1.NettyClientHandler",
        pkg + "ReactorNettyClientHandler",
        pkg + "ReactorClientCall");
  }
}
