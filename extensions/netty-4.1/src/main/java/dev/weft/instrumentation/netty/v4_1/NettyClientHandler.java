package dev.weft.instrumentation.netty.v4_1;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeftBridge;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * Weft's handler in an HTTP/1.x client pipeline, right after the client codec: one instance per
 * channel, run on the channel's event loop. A helper class of the module, typed against Netty and
 * defined next to it; the reactor-netty-1 module places a subclass of it after Reactor Netty's
 * client codec, which chooses the context each request is started in ({@link #start}).
 *
 * <ul>
 *   <li>Each {@code HttpRequest} written starts a CLIENT call, a child of the context current on
 *       the writing thread (the event loop, when the write was made there), labelled with the
 *       request's method, the host of its {@code Host} header (else the channel's remote
 *       address; never user-info) and, for the span only, its path without the query string.
 *       The call's {@code traceparent} (and {@code tracestate}, {@code baggage}) are added to the
 *       request, unless the application set a {@code traceparent} of another trace itself (one of
 *       the same trace is a proxy forwarding what it received, and is replaced).
 *   <li>Calls wait in order (keep-alive, pipelining); each response read belongs to the oldest
 *       one not yet answered, and ends it, with its status, when its last content is read. A
 *       {@code 1xx} response other than {@code 101} is not the response; a {@code 101} ends the
 *       call (the channel then speaks another protocol).
 *   <li>A call with no response ends with an error (status below 100, {@code error_type} its
 *       class): the write of its request failed (that failure), an exception reached this
 *       handler (that exception: a read timeout, a reset), the channel closed
 *       ({@code ClosedChannelException}), the response could not be decoded (the decoder's
 *       error). A call whose response head arrived but whose content was cut ends with that
 *       response's status.
 * </ul>
 */
public class NettyClientHandler extends ChannelDuplexHandler {

  /** Its name in the pipeline. */
  public static final String NAME = "weft.http.client";

  /** Calls in flight on one channel beyond which further requests are passed on unrecorded. */
  static final int MAX_IN_FLIGHT = 1000;

  static final OperationKind KIND = OperationKind.named("http-client");

  /** What a call ends with when its channel closed before its response: one shared instance. */
  static final ClosedChannelException CLOSED = new ClosedChannelException();

  static {
    CLOSED.setStackTrace(new StackTraceElement[0]);
  }

  /** A request that is not recorded, kept in line so that responses still match requests. */
  private static final Call UNRECORDED = new Call(null, null);

  final ChannelHandler decoder;
  final ChannelHandler encoder;
  /** The module that placed this handler: the label of Weft's own errors. */
  protected final String module;

  private final ArrayDeque<Call> inFlight = new ArrayDeque<Call>();
  /** "https" when TLS is in the pipeline; found at the first request. */
  private String scheme;
  /** The last Host header seen, and what it gave: one parse per connection, not per request. */
  private String hostHeader;
  private String host;
  private int port = -1;
  /**
   * Requests written from other threads, with the context current there, until they reach this
   * handler (identity pairs: request, context). Null until the first; guarded by itself.
   */
  private volatile ArrayDeque<Object> writtenElsewhere;

  /** At most this many requests written from other threads wait with their context. */
  static final int MAX_WRITTEN_ELSEWHERE = 64;

  /** A 1xx response's head was read: its last content is not the response's. */
  private boolean informational;
  /** A 101 was read, or another framework's module records this channel: nothing more. */
  private boolean off;
  /** The pipeline was checked for a framework with a client module of its own. */
  private boolean checked;

  /**
   * A handler serving the codec halves {@code decoder} and {@code encoder} (the same object for
   * a combined codec), reporting its own failures as {@code module}'s.
   */
  protected NettyClientHandler(ChannelHandler decoder, ChannelHandler encoder, String module) {
    this.decoder = decoder;
    this.encoder = encoder;
    this.module = module;
  }

  /** Whether {@code codec} is one this handler serves. */
  public boolean serves(ChannelHandler codec) {
    return codec == decoder || codec == encoder;
  }

  /** Whether the codec this handler serves is still in {@code pipeline}. */
  public boolean codecsStillIn(ChannelPipeline pipeline) {
    return pipeline.context(decoder) != null && pipeline.context(encoder) != null;
  }

  // --- outbound: requests

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    ChannelPromise written = promise;
    if (msg instanceof HttpRequest && !off) {
      try {
        written = sending(ctx, (HttpRequest) msg, promise);
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, module);
      }
    }
    ctx.write(msg, written);
  }

  private ChannelPromise sending(ChannelHandlerContext ctx, HttpRequest request, ChannelPromise promise) {
    if (!checked) {
      checked = true;
      if (otherFramework(ctx.pipeline())) {
        off = true;
        return promise;
      }
    }
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      inFlight.addLast(UNRECORDED);
      return promise;
    }
    Object handle = start(ctx, request);
    if (handle == null) {
      inFlight.addLast(UNRECORDED);
      return promise;
    }
    Call call = new Call(this, handle);
    inFlight.addLast(call);
    propagate(request.headers(), WeftBridge.operations().propagationHeaders(handle));
    // A request that is never sent gets no response: its call ends with the write's failure.
    ChannelPromise listened = promise.isVoid() ? promise.unvoid() : promise;
    listened.addListener(call);
    return listened;
  }

  /**
   * Adds the call's W3C headers ({@code propagation}: name, value, ...) to a request. A {@code
   * traceparent} already there is the application's own and stays, unless it names the same trace
   * as the call: then it is the one a proxy received and forwards with the rest of the request's
   * headers (Spring Cloud Gateway does), and the call's own replaces it (with its {@code
   * tracestate}), so that the next service's span is a child of this call, not of its caller.
   */
  static void propagate(HttpHeaders headers, String[] propagation) {
    String existing = headers.get("traceparent");
    boolean forwarded = false;
    if (existing != null) {
      String own = null;
      for (int i = 0; i + 1 < propagation.length; i += 2) {
        if ("traceparent".equals(propagation[i])) {
          own = propagation[i + 1];
        }
      }
      forwarded = own != null && sameTrace(existing, own);
      if (!forwarded) {
        return;
      }
    }
    for (int i = 0; i + 1 < propagation.length; i += 2) {
      String name = propagation[i];
      boolean replace = forwarded && ("traceparent".equals(name) || "tracestate".equals(name));
      if (replace || !headers.contains(name)) {
        headers.set(name, propagation[i + 1]);
      }
    }
  }

  /** Whether two {@code traceparent} values ({@code 00-<trace id>-<span id>-<flags>}) share a trace. */
  private static boolean sameTrace(String a, String b) {
    String x = a.trim();
    return x.length() >= 35 && b.length() >= 35 && x.regionMatches(true, 3, b, 3, 32);
  }

  /**
   * Starts the call of {@code request}, about to be written: returns it, or null when nothing is
   * recorded. Here: a child of the context current where the request was written (this thread's,
   * or the writing thread's when it was written off the event loop). A framework's module chooses
   * another context (the one its caller subscribed in) and calls {@link #startCall} in it.
   */
  protected Object start(ChannelHandlerContext ctx, HttpRequest request) {
    Object context = writtenElsewhere == null ? null : takeContext(request);
    if (context == null) {
      return startCall(ctx, request);
    }
    ContextBridge contexts = WeftBridge.context();
    Object scope = contexts.attach(context);
    try {
      return startCall(ctx, request);
    } finally {
      contexts.detach(scope);
    }
  }

  /** {@code request} was written from another thread where {@code context} was current. */
  void writtenIn(HttpRequest request, Object context) {
    ArrayDeque<Object> pairs = writtenElsewhere;
    if (pairs == null) {
      synchronized (this) {
        pairs = writtenElsewhere;
        if (pairs == null) {
          pairs = new ArrayDeque<Object>();
          writtenElsewhere = pairs;
        }
      }
    }
    synchronized (pairs) {
      if (pairs.size() < 2 * MAX_WRITTEN_ELSEWHERE) {
        pairs.addLast(request);
        pairs.addLast(context);
      }
    }
  }

  /** The context {@code request} was written in from another thread, or null; forgotten. */
  private Object takeContext(HttpRequest request) {
    ArrayDeque<Object> pairs = writtenElsewhere;
    synchronized (pairs) {
      if (pairs.isEmpty()) {
        return null;
      }
      Iterator<Object> it = pairs.iterator();
      while (it.hasNext()) {
        Object r = it.next();
        if (r == request) {
          it.remove();
          Object context = it.next();
          it.remove();
          return context;
        }
        it.next();
      }
      return null;
    }
  }

  /** Starts the call of {@code request}, a child of the current context. */
  protected final Object startCall(ChannelHandlerContext ctx, HttpRequest request) {
    target(ctx, request.headers().get("host"));
    return WeftBridge.operations()
        .startCall(
            KIND,
            request.method().name(),
            scheme(ctx),
            host,
            port,
            NettyServerHandler.path(request.uri()));
  }

  /** Sets {@link #host} and {@link #port} from a Host header value, else the remote address. */
  private void target(ChannelHandlerContext ctx, String header) {
    if (header != null && header.equals(hostHeader)) {
      return;
    }
    hostHeader = header;
    if (header == null || header.isEmpty()) {
      SocketAddress remote = ctx.channel().remoteAddress();
      if (remote instanceof InetSocketAddress) {
        InetSocketAddress inet = (InetSocketAddress) remote;
        host = inet.getHostString();
        port = inet.getPort();
      } else {
        host = null;
        port = -1;
      }
      return;
    }
    String authority = header.trim();
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1); // never user-info
    }
    int colon;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      colon = close < 0 ? -1 : authority.indexOf(':', close);
    } else {
      colon = authority.lastIndexOf(':');
    }
    int p = -1;
    if (colon >= 0) {
      try {
        p = Integer.parseInt(authority.substring(colon + 1));
      } catch (NumberFormatException e) {
        p = -1;
      }
      authority = authority.substring(0, colon);
    }
    host = authority;
    port = p;
  }

  /** The scheme of this channel's requests: https when a TLS handler is in the pipeline. */
  private String scheme(ChannelHandlerContext ctx) {
    String s = scheme;
    if (s == null) {
      s = "http";
      Iterator<Map.Entry<String, ChannelHandler>> handlers = ctx.pipeline().iterator();
      while (handlers.hasNext()) {
        if (handlers.next().getValue().getClass().getName().startsWith("io.netty.handler.ssl.")) {
          s = "https";
          break;
        }
      }
      scheme = s;
    }
    return s;
  }

  /** A framework with a client module of its own (Vert.x) uses Netty's codec: it records. */
  private static boolean otherFramework(ChannelPipeline pipeline) {
    Iterator<Map.Entry<String, ChannelHandler>> handlers = pipeline.iterator();
    while (handlers.hasNext()) {
      if (handlers.next().getValue().getClass().getName().startsWith("io.vertx.")) {
        return true;
      }
    }
    return false;
  }

  // --- inbound: responses

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpObject && !inFlight.isEmpty()) {
      try {
        received((HttpObject) msg);
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, module);
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void received(HttpObject msg) {
    Call head = inFlight.peekFirst();
    DecoderResult result = msg.decoderResult();
    if (result != null && result.isFailure()) {
      inFlight.pollFirst();
      informational = false;
      head.end(-1, result.cause());
      return;
    }
    boolean complete = msg instanceof LastHttpContent;
    if (msg instanceof HttpResponse) {
      int code = ((HttpResponse) msg).status().code();
      if (code >= 100 && code < 200 && code != 101) {
        informational = !complete; // 100 Continue, 103 Early Hints: the response is still to come
        return;
      }
      informational = false;
      if (head.handle != null) {
        head.status = code; // never on the shared UNRECORDED
      }
      if (code == 101) {
        off = true; // nothing more on this channel is HTTP/1.x
        complete = true;
      }
    } else if (complete && informational) {
      informational = false; // the end of a 1xx response
      return;
    }
    if (complete) {
      inFlight.pollFirst();
      head.end(head.status, null);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    try {
      endAll(cause);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, module);
    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      endAll(CLOSED);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, module);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    try {
      endAll(CLOSED); // the codec left with calls unanswered: their responses cannot be seen
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, module);
    }
  }

  /** Every call waiting ends: with its response's status if its head arrived, else {@code error}. */
  private void endAll(Throwable error) {
    informational = false;
    ArrayDeque<Object> pairs = writtenElsewhere;
    if (pairs != null) {
      synchronized (pairs) {
        pairs.clear(); // requests that will not reach this handler any more
      }
    }
    for (Call call = inFlight.pollFirst(); call != null; call = inFlight.pollFirst()) {
      call.end(call.status, call.status >= 100 ? null : error);
    }
  }

  /** The write of {@code call}'s request failed: no response will come for it. */
  void notSent(Call call, Throwable cause) {
    if (inFlight.remove(call)) {
      call.end(-1, cause);
    }
  }

  @Override
  public String toString() {
    return "WeftHttpClientHandler";
  }

  /** One call, from its request's write to its end; the listener of that write. */
  static final class Call implements ChannelFutureListener {
    final NettyClientHandler owner;
    final Object handle;
    /** The response's status once its head was read; -1 before. */
    int status = -1;

    Call(NettyClientHandler owner, Object handle) {
      this.owner = owner;
      this.handle = handle;
    }

    void end(int code, Throwable error) {
      if (handle != null) {
        Operations operations = WeftBridge.operations();
        operations.end(handle, code, error);
      }
    }

    /** The request's write completed (on the event loop). */
    @Override
    public void operationComplete(ChannelFuture future) {
      if (!future.isSuccess()) {
        try {
          owner.notSent(this, future.cause());
        } catch (Throwable t) {
          WeftBridge.adviceFailed(t, owner.module);
        }
      }
    }
  }
}
