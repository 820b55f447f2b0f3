package dev.weft.instrumentation.http.client.okhttp;

import dev.weft.bootstrap.WeakIdentityMap;

/**
 * The trace context of the thread that queued an asynchronous HTTP call (OkHttp's
 * {@code enqueue}), kept until the call runs on the client's own thread, so the client span has
 * the right parent there. Keyed weakly by the call: a call that never runs leaves nothing behind.
 */
public final class PendingContexts {

  private static final WeakIdentityMap<Object> CONTEXTS = new WeakIdentityMap<>();

  private PendingContexts() {}

  /** Remembers the current context for {@code call}, if there is one. */
  public static void capture(Object call) {
    Object context = dev.weft.bootstrap.WeftBridge.context().current();
    if (context != null) {
      CONTEXTS.put(call, context);
    }
  }

  /** The context captured for {@code call}, forgotten as it is handed out; or null. */
  public static Object take(Object call) {
    return CONTEXTS.remove(call);
  }
}
