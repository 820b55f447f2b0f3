package dev.weft.instrumentation.netty.v4_1;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.HeaderFields;
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
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Weft's handler in an HTTP/1.x server pipeline, right after the codec: one instance per channel,
 * run on the channel's event loop. A helper class of the module, typed against Netty and defined
 * next to it; the reactor-netty-1 module places the same handler after Reactor Netty's codec,
 * with a fixed endpoint instead of the path (see {@link #NettyServerHandler(ChannelHandler,
 * ChannelHandler, ChannelHandler, String, String)}).
 *
 * <p>A web framework on top gives the route template it matched with {@link #accept}: the
 * spring-webflux-6 module finds the handler by its name in the request's channel and hands the
 * route over as a {@code Consumer<String>}, a JDK type, so that no module names another's
 * classes. The request being served (the oldest not yet answered) ends under that route.
 *
 * <ul>
 *   <li>Each {@code HttpRequest} read starts a request (the request's path is its endpoint; its
 *       {@code traceparent}/{@code tracestate}/{@code baggage} headers are its parent context).
 *       While the handlers after this one process that request's messages (the request, its
 *       content, its last content, or the aggregated request), the request's context is current
 *       on the event loop, and only then: the thread holds nothing between messages.
 *   <li>Requests read wait in order (keep-alive, HTTP/1.1 pipelining); each response written
 *       belongs to the oldest one not yet answered. The request ends when the write of its
 *       response's last content completes, on whatever thread wrote it, with the response's
 *       status. A {@code 1xx} response other than {@code 101} is not the response; a {@code 101}
 *       ends the request (the channel then speaks another protocol: nothing more is counted).
 *   <li>A request whose response is not complete when the channel closes, or whose last write
 *       fails with an I/O error, ends with {@code 499} when the peer went away (the channel
 *       closed under the server, or a read failed with an I/O error before the application
 *       closed it), or, when the application closed the channel itself, with the status of the
 *       response it had begun ({@code 500} if none). A last write that fails otherwise (an
 *       encoder's error) ends it with that error ({@code 500}).
 * </ul>
 */
public final class NettyServerHandler extends ChannelDuplexHandler
    implements Consumer<String> {

  /** Its name in the pipeline. */
  static final String NAME = "weft.http.server";

  /** nginx's "client closed request": the client went away before the response was complete. */
  static final int CLIENT_CLOSED = 499;

  /** Requests in flight on one channel beyond which further ones are passed on unrecorded. */
  static final int MAX_IN_FLIGHT = 1000;

  private static final OperationKind KIND = OperationKind.named("http-server");

  /** A request that is not recorded, kept in line so that responses still match requests. */
  private static final Exchange UNRECORDED = new Exchange(null, null, null);

  /**
   * Per thread: inside how many requests' processing it is. A request read while another one is
   * processed on the same thread (an application decoding HTTP inside HTTP with a codec of its
   * own, in an {@code EmbeddedChannel}) is the same request: it is not counted again.
   */
  private static final ThreadLocal<int[]> PROCESSING =
      new ThreadLocal<int[]>() {
        @Override
        protected int[] initialValue() {
          return new int[1];
        }
      };

  final ChannelHandler decoder;
  final ChannelHandler encoder;
  /** The handler this one was placed right after (the codec, or the later of its two halves). */
  final ChannelHandler placedAfter;
  /** Every request's endpoint when set; null: the request's path (plain Netty). */
  private final String endpoint;
  /** The module that placed this handler: the label of Weft's own errors. */
  final String module;
  /**
   * The oldest request not yet answered, the one a framework on top is serving. Written on the
   * event loop, read from any thread.
   */
  private volatile Exchange serving;

  private final ArrayDeque<Exchange> inFlight = new ArrayDeque<Exchange>();
  /** The request whose messages are being read, until its last content. */
  private Exchange reading;
  /** "https" when TLS is in the pipeline; found at the first request. */
  private String scheme;
  /** A 1xx response's head was written: its last content is not the response's. */
  private boolean informational;
  /** A 101 was written: the channel speaks another protocol; nothing more is HTTP/1.x. */
  private boolean upgraded;
  /** The application closed the channel through the pipeline, while the peer was still there. */
  volatile boolean closing;
  /** A read failed with an I/O error (a reset connection): the peer went away. */
  volatile boolean peerGone;

  NettyServerHandler(ChannelHandler decoder, ChannelHandler encoder, ChannelHandler placedAfter) {
    this(decoder, encoder, placedAfter, null, NettyServerPipelines.MODULE);
  }

  /**
   * A handler after {@code placedAfter}, serving the codec halves {@code decoder} and
   * {@code encoder} (the same object for a combined codec), counting every request under
   * {@code endpoint} until a framework names its route (null: under its path), and reporting its
   * own failures as {@code module}'s.
   */
  public NettyServerHandler(
      ChannelHandler decoder,
      ChannelHandler encoder,
      ChannelHandler placedAfter,
      String endpoint,
      String module) {
    this.decoder = decoder;
    this.encoder = encoder;
    this.placedAfter = placedAfter;
    this.endpoint = endpoint;
    this.module = module;
  }

  /**
   * The web framework matched the request being served to {@code route} (a template such as
   * {@code /orders/{id}}): the request ends under it. From any thread; nothing here throws.
   */
  @Override
  public void accept(String route) {
    Exchange e = serving;
    if (e != null && e.handle != null && route != null) {
      e.route = route;
    }
  }

  /** Whether {@code codec} is (one half of) the codec this handler serves. */
  public boolean serves(ChannelHandler codec) {
    return codec == decoder || codec == encoder;
  }

  /** Whether the codec this handler serves is (wholly) in {@code pipeline}. */
  public boolean codecsStillIn(ChannelPipeline pipeline) {
    return pipeline.context(decoder) != null && pipeline.context(encoder) != null;
  }

  // --- inbound: requests

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    Exchange current = null;
    try {
      if (msg instanceof HttpRequest) {
        if (!upgraded) {
          current = start(ctx, (HttpRequest) msg);
          reading = current;
        }
      } else if (msg instanceof HttpContent) {
        current = reading;
      }
      if (msg instanceof LastHttpContent) {
        reading = null; // the request is read; what follows belongs to the next one
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, module);
    }
    if (current == null || current.handle == null) {
      ctx.fireChannelRead(msg);
      return;
    }
    int[] processing = null;
    Object scope = null;
    ContextBridge contexts = WeftBridge.context();
    try {
      processing = PROCESSING.get();
      processing[0]++;
      scope = current.context == null ? null : contexts.attach(current.context);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, module);
    }
    try {
      ctx.fireChannelRead(msg);
    } finally {
      if (scope != null) {
        contexts.detach(scope);
      }
      if (processing != null) {
        processing[0]--;
      }
    }
  }

  /** Starts the request {@code request}: returns what is kept in line for its response. */
  private Exchange start(ChannelHandlerContext ctx, HttpRequest request) {
    if (inFlight.size() >= MAX_IN_FLIGHT || PROCESSING.get()[0] > 0) {
      enqueue(UNRECORDED);
      return UNRECORDED;
    }
    HttpHeaders headers = request.headers();
    Operations operations = WeftBridge.operations();
    // getAll builds a list: the fields are only read when spans are started.
    boolean traced = operations.tracing();
    String traceparent = traced ? HeaderFields.join(headers.getAll("traceparent")) : null;
    String tracestate = traced ? HeaderFields.join(headers.getAll("tracestate")) : null;
    String baggage = traced ? HeaderFields.join(headers.getAll("baggage")) : null;
    String path = path(request.uri());
    String method = request.method().name();
    String scheme = scheme(ctx);
    Object handle =
        operations.startRequest(
            KIND, null, method, endpoint, scheme, path, traceparent, tracestate, baggage);
    if (handle == null || handle == Operations.NESTED) {
      operations.suspend(handle); // unwinds the nesting; nothing for null
      enqueue(UNRECORDED);
      return UNRECORDED;
    }
    Object context = null;
    try {
      context = WeftBridge.context().current(); // the request's SERVER span, current since start
    } finally {
      // The request goes on across messages and threads: its context is made current only while
      // its messages are processed (channelRead), never left on the event loop.
      operations.suspend(handle);
    }
    Exchange exchange = new Exchange(this, handle, context);
    enqueue(exchange);
    return exchange;
  }

  private void enqueue(Exchange exchange) {
    inFlight.addLast(exchange);
    serving = inFlight.peekFirst();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      abandonAll();
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, module);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    try {
      if (!inFlight.isEmpty()) {
        // The codec left a live channel (or Weft's handler was taken out) with requests
        // unanswered: their responses can no longer be seen; the server gave them up.
        if (ctx.channel().isActive()) {
          closing = true;
        }
        abandonAll();
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, module);
    }
  }

  private void abandonAll() {
    reading = null;
    serving = null;
    for (Exchange e = inFlight.pollFirst(); e != null; e = inFlight.pollFirst()) {
      if (e.handle != null) {
        e.abandoned(null);
      }
    }
  }

  // --- outbound: responses

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    ChannelPromise written = promise;
    if (msg instanceof HttpObject && !inFlight.isEmpty()) {
      try {
        written = responding((HttpObject) msg, promise);
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, module);
      }
    }
    ctx.write(msg, written);
  }

  /** The promise to write {@code msg} with: listened to when it completes a response. */
  private ChannelPromise responding(HttpObject msg, ChannelPromise promise) {
    Exchange head = inFlight.peekFirst();
    boolean complete = msg instanceof LastHttpContent;
    if (msg instanceof HttpResponse) {
      int code = ((HttpResponse) msg).status().code();
      if (code >= 100 && code < 200 && code != 101) {
        informational = !complete; // 100 Continue, 103 Early Hints: the response is still to come
        return promise;
      }
      informational = false;
      if (head.handle != null) {
        head.status = code;
      }
      if (code == 101) {
        upgraded = true;
        complete = true; // nothing more of this response is HTTP/1.x
      }
    } else if (complete && informational) {
      informational = false; // the end of a 1xx response
      return promise;
    }
    if (!complete) {
      return promise;
    }
    inFlight.pollFirst();
    serving = inFlight.peekFirst();
    if (head.handle == null) {
      return promise;
    }
    // A void promise cannot be listened to; unvoid() gives one that still reports a failure to
    // the pipeline as the void one would.
    ChannelPromise listened = promise.isVoid() ? promise.unvoid() : promise;
    listened.addListener(head);
    return listened;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (cause instanceof IOException) {
      peerGone = true; // a read failed: the connection was reset or broken under the server
    }
    ctx.fireExceptionCaught(cause);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    // A close after the peer went away (an application closing on the read error it was handed,
    // as Reactor Netty does) does not make the unanswered requests the application's doing.
    if (!peerGone && ctx.channel().isActive()) {
      closing = true;
    }
    ctx.close(promise);
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

  /**
   * The path of a request target: without the query string and fragment, without path parameters
   * ({@code ;jsessionid=...}, which carry secrets), and without the scheme and authority of an
   * absolute target ({@code http://host/a} is {@code /a}). Anything else ({@code *}, what a
   * broken request line gives) as it is. The same string when there is nothing to cut.
   */
  static String path(String uri) {
    if (uri == null) {
      return "";
    }
    int start = 0;
    int length = uri.length();
    if (length > 0 && uri.charAt(0) != '/') {
      int schemeEnd = uri.indexOf("://");
      if (schemeEnd > 0) {
        int authority = schemeEnd + 3;
        start = length;
        for (int i = authority; i < length; i++) {
          char c = uri.charAt(i);
          if (c == '/' || c == '?' || c == '#') {
            start = i;
            break;
          }
        }
        if (start == length || uri.charAt(start) != '/') {
          return "/";
        }
      }
    }
    int end = length;
    boolean parameters = false;
    for (int i = start; i < length; i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
      if (c == ';') {
        parameters = true;
      }
    }
    if (!parameters) {
      return start == 0 && end == length ? uri : uri.substring(start, end);
    }
    StringBuilder clean = new StringBuilder(end - start);
    boolean inParameter = false;
    for (int i = start; i < end; i++) {
      char c = uri.charAt(i);
      if (c == ';') {
        inParameter = true;
      } else if (c == '/') {
        inParameter = false;
      }
      if (!inParameter) {
        clean.append(c);
      }
    }
    return clean.toString();
  }

  @Override
  public String toString() {
    return endpoint == null ? "WeftHttpServerHandler" : "WeftFrameworkHttpServerHandler";
  }

  /** One request, from its read to its end; the listener of its response's last write. */
  static final class Exchange implements ChannelFutureListener {
    final NettyServerHandler owner;
    final Object handle;
    /** The request's context (its SERVER span), made current while its messages are read. */
    final Object context;
    /** The response's status once its head was written; -1 before. */
    volatile int status = -1;
    /** The route template a framework on top matched, or null. */
    volatile String route;

    Exchange(NettyServerHandler owner, Object handle, Object context) {
      this.owner = owner;
      this.handle = handle;
      this.context = context;
    }

    /** The last write of the response completed. */
    @Override
    public void operationComplete(ChannelFuture future) {
      try {
        if (future.isSuccess()) {
          WeftBridge.operations().end(handle, status, null, route);
        } else {
          abandoned(future.cause());
        }
      } catch (Throwable t) {
        WeftBridge.adviceFailed(t, owner.module);
      }
    }

    /** The response was not completely written: the channel closed, or a write failed. */
    void abandoned(Throwable writeFailure) {
      Operations operations = WeftBridge.operations();
      if (writeFailure != null && !(writeFailure instanceof IOException)) {
        operations.end(handle, -1, writeFailure, route); // an encoder's error: 500
      } else if (owner.closing) {
        operations.end(handle, status, null, route); // the application closed it: its status
      } else {
        operations.end(handle, CLIENT_CLOSED, null, route);
      }
    }
  }
}
