package dev.weft.instrumentation.netty.v4_1;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * RED metrics, SERVER spans and the request's context for HTTP/1.x servers built on Netty 4.1 and
 * 4.2 with no framework: a pipeline with {@code HttpServerCodec} (or {@code HttpRequestDecoder}
 * and {@code HttpResponseEncoder}). When such a codec joins a pipeline, Weft's own handler
 * ({@link NettyServerHandler}) is placed right after it; when the codec leaves, Weft's handler
 * leaves with it. Plain Netty has no routes: the endpoint is the request's path, bounded by the
 * cardinality guard.
 */
public final class Netty41InstrumentationModule extends InstrumentationModule {

  public Netty41InstrumentationModule() {
    super("netty-4.1");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new ChannelPipelineInstrumentation(), new ChannelHandlerContextInstrumentation());
  }

  /**
   * Typed against Netty: defined in the class loader of Netty's {@code DefaultChannelPipeline}
   * before it is woven. Named as text: a class literal would load them where this module is
   * loaded, where no Netty is.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    String pkg = Netty41InstrumentationModule.class.getPackage().getName() + ".";
    return Arrays.asList(
        pkg + "NettyServerPipelines",
        pkg + "NettyServerHandler",
        pkg + "NettyClientPipelines",
        pkg + "NettyClientHandler");
  }
}
