package dev.weft.instrumentation.grpc.v1;

import dev.weft.bootstrap.WeakIdentityMap;
import dev.weft.bootstrap.WeftBridge;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServerBuilder;

/**
 * Adds Weft's interceptors to builders as they build. A transport's builder forwards
 * {@code build()} (and {@code intercept}) to the builder it wraps, and both are woven: only the
 * outermost {@code build()} on the thread adds the interceptor, which reaches the inner builder
 * through the forwarding. A builder built twice is given the interceptor once.
 */
public final class GrpcBuilders {

  private static final Boolean ADDED = Boolean.TRUE;

  /** Per thread: [0] how deep in build() calls, [1] the depth whose builder is covered (0: none). */
  private static final ThreadLocal<int[]> STATE = ThreadLocal.withInitial(() -> new int[2]);

  /** Builders that already carry Weft's interceptor (held weakly, by identity). */
  private static final WeakIdentityMap<Boolean> INTERCEPTED = new WeakIdentityMap<>();

  private GrpcBuilders() {}

  public static void serverBuildStarts(ServerBuilder<?> builder) {
    buildStarts(builder, builder, null);
  }

  public static void channelBuildStarts(ManagedChannelBuilder<?> builder) {
    buildStarts(builder, null, builder);
  }

  /** A build() starts on this thread; one of {@code server} and {@code channel} is the builder. */
  private static void buildStarts(
      Object builder, ServerBuilder<?> server, ManagedChannelBuilder<?> channel) {
    int[] s = STATE.get();
    s[0]++;
    if (s[1] != 0) {
      return;
    }
    try {
      if (INTERCEPTED.get(builder) == null) {
        if (server != null) {
          server.intercept(GrpcServerInterceptor.INSTANCE);
        } else {
          channel.intercept(GrpcClientInterceptor.INSTANCE);
        }
        INTERCEPTED.put(builder, ADDED);
      }
      s[1] = s[0];
    } catch (UnsupportedOperationException notSupported) {
      // A builder without interceptors of its own: the builder it forwards to may take it.
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, "grpc-1");
    }
  }

  /** The build() entered last on this thread returned or threw. */
  public static void buildEnds() {
    int[] s = STATE.get();
    if (s[1] == s[0]) {
      s[1] = 0;
    }
    if (s[0] > 0) {
      s[0]--;
    }
  }
}
