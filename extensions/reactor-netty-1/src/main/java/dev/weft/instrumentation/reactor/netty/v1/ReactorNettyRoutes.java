package dev.weft.instrumentation.reactor.netty.v1;

import dev.weft.bootstrap.WeftBridge;
import io.netty.channel.ChannelHandler;
import java.util.function.Consumer;
import reactor.netty.Connection;

/**
 * Hands the template of the Reactor Netty route that matched a request to Weft's handler in the
 * request's channel. A helper class of the module, defined next to Reactor Netty. Nothing here
 * throws.
 */
public final class ReactorNettyRoutes {

  private ReactorNettyRoutes() {}

  /** {@code request} (Reactor Netty's connection of the request) matched {@code template}. */
  @SuppressWarnings("unchecked")
  public static void matched(Object request, String template) {
    try {
      if (template == null || template.isEmpty() || !(request instanceof Connection)) {
        return;
      }
      ChannelHandler weft =
          ((Connection) request).channel().pipeline().get(ReactorNettyPipelines.NAME);
      if (weft instanceof Consumer) {
        ((Consumer<String>) weft).accept(template);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, ReactorNettyPipelines.MODULE);
    }
  }
}
