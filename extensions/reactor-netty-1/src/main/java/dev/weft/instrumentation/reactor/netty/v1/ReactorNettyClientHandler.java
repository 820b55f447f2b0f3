package dev.weft.instrumentation.reactor.netty.v1;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.WeftBridge;
import dev.weft.instrumentation.netty.v4_1.NettyClientHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The netty-4.1 module's client handler in a Reactor Netty client pipeline, right after Reactor
 * Netty's codec. Reactor Netty writes a request on the connection's event loop, at another time
 * and on another thread than the subscription that asked for it: the request's {@link
 * ReactorClientCall} (the subscription's) is handed over when Reactor Netty gives it the
 * connection ({@link #next}), and the request written next takes that subscription's call,
 * started at subscription, or, for a further request of the same subscription (a redirect, a
 * retry), a call started here as a child of the subscriber's context.
 */
public final class ReactorNettyClientHandler extends NettyClientHandler {

  /** The subscription whose request is written next on this channel; set before the write. */
  volatile ReactorClientCall next;

  ReactorNettyClientHandler(ChannelHandler codec) {
    super(codec, codec, ReactorNettyPipelines.MODULE);
  }

  @Override
  protected Object start(ChannelHandlerContext ctx, HttpRequest request) {
    ReactorClientCall owner = next;
    if (owner == null) {
      return super.start(ctx, request);
    }
    next = null;
    Object call = owner.takePending();
    if (call == null) {
      ContextBridge contexts = WeftBridge.context();
      Object scope = owner.parent == null ? null : contexts.attach(owner.parent);
      try {
        call = startCall(ctx, request);
      } finally {
        if (scope != null) {
          contexts.detach(scope);
        }
      }
    }
    owner.current = call;
    return call;
  }
}
