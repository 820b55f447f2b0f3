package dev.weft.instrumentation.grpc.v1;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * RPC RED metrics, SERVER and CLIENT spans and W3C context in metadata for gRPC Java 1.x: every
 * server and channel the application builds gets Weft's interceptor, whatever its transport.
 */
public final class GrpcInstrumentationModule extends InstrumentationModule {

  public GrpcInstrumentationModule() {
    super("grpc-1");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(
        new ServerBuilderInstrumentation(),
        new ChannelBuilderInstrumentation(),
        new ClientCallStartInstrumentation());
  }

  /**
   * Typed against gRPC, so defined in the class loader of each builder woven. Named as text: a
   * class literal would load them here, where gRPC may not be.
   */
  @Override
  public List<String> getAdditionalHelperClassNames() {
    String pkg = GrpcInstrumentationModule.class.getPackage().getName() + ".";
    return Arrays.asList(
        pkg + "GrpcBuilders",
        pkg + "GrpcServerInterceptor",
        pkg + "GrpcServerInterceptor$RecordingCall",
        pkg + "GrpcServerInterceptor$ContextListener",
        pkg + "GrpcClientInterceptor",
        pkg + "GrpcClientInterceptor$RecordingCall",
        pkg + "GrpcClientInterceptor$RecordingListener");
  }
}
