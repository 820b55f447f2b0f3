package dev.weft.instrumentation.reactor.netty.v1;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.WeftBridge;
import dev.weft.instrumentation.netty.v4_1.NettyClientHandler;
import io.netty.channel.ChannelHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.client.HttpClientConfig;
import reactor.netty.http.client.HttpClientResponse;
import reactor.util.context.Context;

/**
 * One subscription to Reactor Netty's HTTP connect {@code Mono} (what every {@code HttpClient}
 * request and every {@code WebClient} exchange subscribes to), standing between it and its
 * subscriber. A helper class of the module, defined next to Reactor Netty.
 *
 * <ul>
 *   <li>At subscription, on the subscribing thread, the call of its first request starts (a child
 *       of the context current there: the subscriber's), labelled from the client's
 *       configuration (method, URI or base URL, else the remote address of {@code host()} and
 *       {@code port()}); that context is kept for its further requests (redirects, retries). With
 *       an application's own {@code remoteAddress(Supplier)} and a relative URI, the calls start
 *       when their requests are written instead, and a connection error is not counted.
 *   <li>The subscription is in its subscriber's Reactor {@code Context} under a key of Weft's
 *       own, which Reactor Netty copies into its connection observers: when a connection is
 *       configured for the request, Weft's handler in that connection's pipeline is told whose
 *       request it writes next ({@link #configured}). The request written takes the started call.
 *   <li>A subscription that fails before any request was written (connection refused, unknown
 *       host, connect or pool acquisition timeout) ends that call with its error; one cancelled
 *       before its response arrived ends its current call with a {@code CancellationException}.
 *       A response received with no request seen by Weft's handler (HTTP/2) ends the call with
 *       its status.
 * </ul>
 *
 * Every signal goes on to the subscriber unchanged, whatever happens in Weft.
 */
public final class ReactorClientCall implements CoreSubscriber<Object>, Subscription {

  /** The key of the subscription in its subscriber's Reactor context: Weft's own object. */
  static final Object KEY = new Object();

  static final OperationKind KIND = OperationKind.named("http-client");

  /** What a call cancelled before its response ends with: one shared instance. */
  static final CancellationException CANCELLED = new CancellationException("cancelled");

  static {
    CANCELLED.setStackTrace(new StackTraceElement[0]);
  }

  /**
   * What {@link #start} returns for a target only the application's own address supplier knows:
   * no call starts at subscription (calling the supplier could change what it gives Reactor
   * Netty); each request's call starts when it is written, labelled from its {@code Host}.
   */
  private static final Object UNKNOWN_TARGET = new Object();

  private static final AtomicReferenceFieldUpdater<ReactorClientCall, Object> PENDING =
      AtomicReferenceFieldUpdater.newUpdater(ReactorClientCall.class, Object.class, "pending");

  private final CoreSubscriber<Object> actual;
  private final Context context;
  /** The context current at subscription (null when tracing is off). */
  final Object parent;
  /** The call started at subscription, until a request written takes it. */
  volatile Object pending;
  /** The call of the latest request written. */
  volatile Object current;
  /** The response arrived: a cancel after it is not the call's. */
  private volatile boolean responded;

  private Subscription upstream;

  private ReactorClientCall(CoreSubscriber<Object> actual, Object parent, Object pending) {
    this.actual = actual;
    this.parent = parent;
    this.pending = pending;
    this.context = actual.currentContext().put(KEY, this);
  }

  /**
   * The subscriber to subscribe with instead of {@code actual}: {@code actual} itself when nothing
   * is recorded.
   */
  @SuppressWarnings("unchecked")
  public static CoreSubscriber<?> subscribed(CoreSubscriber<?> actual, HttpClientConfig config) {
    if (actual == null || actual instanceof ReactorClientCall) {
      return actual;
    }
    Object call = null;
    try {
      call = start(config);
      if (call == null) {
        return actual;
      }
      return new ReactorClientCall(
          (CoreSubscriber<Object>) actual,
          WeftBridge.context().current(),
          call == UNKNOWN_TARGET ? null : call);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, ReactorNettyPipelines.MODULE);
      if (call != null && call != UNKNOWN_TARGET) {
        WeftBridge.operations().end(call, -1, t);
      }
      return actual;
    }
  }

  /** Reactor Netty configured {@code connection} for the request of the observer's context. */
  public static void configured(
      Context observerContext, Connection connection, ConnectionObserver.State state) {
    try {
      if (state != ConnectionObserver.State.CONFIGURED || observerContext == null) {
        return;
      }
      Object call = observerContext.getOrDefault(KEY, null);
      if (!(call instanceof ReactorClientCall)) {
        return;
      }
      ChannelHandler handler = connection.channel().pipeline().get(NettyClientHandler.NAME);
      if (handler instanceof ReactorNettyClientHandler) {
        ((ReactorNettyClientHandler) handler).next = (ReactorClientCall) call;
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, ReactorNettyPipelines.MODULE);
    }
  }

  /** The call started at subscription, once: null when a request has taken it already. */
  Object takePending() {
    Object call = pending;
    return call != null && PENDING.compareAndSet(this, call, null) ? call : null;
  }

  // --- the call's target, from the client's configuration, as Reactor Netty resolves it

  private static Object start(HttpClientConfig config) {
    String uri = config.uri();
    if (uri == null) {
      uri = "/";
    }
    String base = config.baseUrl();
    if (base != null && uri.startsWith("/")) {
      uri = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + uri;
    }
    String scheme = config.isSecure() ? "https" : "http";
    String host = null;
    int port = -1;
    int from = 0;
    int sep = uri.indexOf("://");
    if (sep > 0) {
      String s = uri.substring(0, sep).toLowerCase(java.util.Locale.ROOT);
      scheme = s.equals("wss") || s.equals("https") ? "https" : "http";
      from = sep + 3;
    }
    if (sep > 0 || !uri.startsWith("/")) {
      int end = uri.length();
      for (int i = from; i < uri.length(); i++) {
        char c = uri.charAt(i);
        if (c == '/' || c == '?' || c == '#') {
          end = i;
          break;
        }
      }
      String authority = uri.substring(from, end);
      int at = authority.lastIndexOf('@');
      if (at >= 0) {
        authority = authority.substring(at + 1); // never user-info
      }
      int colon =
          authority.startsWith("[")
              ? authority.indexOf(':', Math.max(0, authority.indexOf(']')))
              : authority.lastIndexOf(':');
      if (colon >= 0) {
        try {
          port = Integer.parseInt(authority.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
        authority = authority.substring(0, colon);
      }
      host = authority;
      from = end;
    } else {
      // host(...)/port(...) or the default: Reactor Netty's own suppliers, which only build an
      // address. An application's own supplier is never called here (it may pick a different
      // address each time: a client-side balancer).
      Supplier<? extends SocketAddress> remote = config.remoteAddress();
      if (remote == null || !remote.getClass().getName().startsWith("reactor.netty.")) {
        return UNKNOWN_TARGET;
      }
      SocketAddress address = remote.get();
      if (address instanceof InetSocketAddress) {
        host = ((InetSocketAddress) address).getHostString();
        port = ((InetSocketAddress) address).getPort();
      }
    }
    int pathEnd = uri.length();
    for (int i = from; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '?' || c == '#') {
        pathEnd = i;
        break;
      }
    }
    String path = from >= pathEnd ? "/" : uri.substring(from, pathEnd);
    return WeftBridge.operations()
        .startCall(KIND, config.method().name(), scheme, host, port, path);
  }

  // --- the subscriber's signals, passed on unchanged

  @Override
  public Context currentContext() {
    return context;
  }

  @Override
  public void onSubscribe(Subscription s) {
    upstream = s;
    actual.onSubscribe(this);
  }

  @Override
  public void onNext(Object response) {
    try {
      responded = true;
      Object call = takePending();
      if (call != null) {
        int status =
            response instanceof HttpClientResponse
                ? ((HttpClientResponse) response).status().code()
                : -1;
        WeftBridge.operations().end(call, status, null);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, ReactorNettyPipelines.MODULE);
    }
    actual.onNext(response);
  }

  @Override
  public void onError(Throwable error) {
    try {
      Object call = takePending();
      if (call != null) {
        WeftBridge.operations().end(call, -1, error); // no request was ever written
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, ReactorNettyPipelines.MODULE);
    }
    actual.onError(error);
  }

  @Override
  public void onComplete() {
    try {
      Object call = takePending();
      if (call != null) {
        WeftBridge.operations().end(call, -1, null);
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, ReactorNettyPipelines.MODULE);
    }
    actual.onComplete();
  }

  @Override
  public void request(long n) {
    upstream.request(n);
  }

  @Override
  public void cancel() {
    try {
      if (!responded) {
        Object call = takePending();
        if (call == null) {
          call = current;
        }
        if (call != null) {
          WeftBridge.operations().end(call, -1, CANCELLED);
        }
      }
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, ReactorNettyPipelines.MODULE);
    }
    upstream.cancel();
  }

  @Override
  public String toString() {
    return "WeftClientCall(" + actual + ")";
  }
}
