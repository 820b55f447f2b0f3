package dev.weft.instrumentation.spring.webflux.v6;

import dev.weft.bootstrap.WeftBridge;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import java.lang.reflect.Method;
import java.util.function.Consumer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.server.ServerWebExchange;
import reactor.netty.Connection;

/**
 * The route template Spring WebFlux matched, handed to the reactor-netty-1 module's handler of the
 * request's channel. A helper class of the module, typed against Spring WebFlux, Reactor Netty and
 * Netty, defined next to Spring's {@code DispatcherHandler}. Nothing here throws.
 *
 * <p>Every WebFlux handler mapping sets {@link HandlerMapping#BEST_MATCHING_PATTERN_ATTRIBUTE}
 * on the exchange before its handler is invoked: the {@code @RequestMapping} pattern of an
 * annotated controller, the pattern of a {@code RouterFunction} route (its nested paths joined),
 * the URL pattern of a resource handler. The exchange's request, under any decorators and
 * mutations, wraps Reactor Netty's request, a {@link Connection} on the request's channel, where
 * Weft's handler sits under the name {@link #HANDLER}. That handler takes the route as a {@code
 * Consumer<String>}, a JDK type: neither module names the other's classes.
 *
 * <p>Spring Cloud Gateway's handler mapping sets no pattern: a request it routes counts under the
 * id of the route it matched (read from the exchange, through the route's public {@code getId()}).
 */
public final class WebFluxRoutes {

  /** The reactor-netty-1 module's handler's name in the pipeline. */
  static final String HANDLER = "weft.reactor.http.server";

  static final String MODULE = "spring-webflux-6";

  /**
   * The exchange attribute under which Spring Cloud Gateway's handler mapping leaves the route it
   * matched ({@code ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR}); its mapping sets no pattern.
   */
  static final String GATEWAY_ROUTE =
      "org.springframework.cloud.gateway.support.ServerWebExchangeUtils.gatewayRoute";

  /** {@code getId()} of Gateway's {@code Route} class (looked up once per class). */
  private static final ClassValue<Method> ROUTE_ID =
      new ClassValue<Method>() {
        @Override
        protected Method computeValue(Class<?> type) {
          try {
            Method id = type.getMethod("getId");
            return id.getReturnType() == String.class ? id : null;
          } catch (NoSuchMethodException e) {
            return null;
          }
        }
      };

  private WebFluxRoutes() {}

  /** The id of a Spring Cloud Gateway route, or null. */
  static String gatewayRouteId(Object route) throws ReflectiveOperationException {
    if (route == null) {
      return null;
    }
    Method id = ROUTE_ID.get(route.getClass());
    Object value = id == null ? null : id.invoke(route);
    return value == null || value.toString().isEmpty() ? null : value.toString();
  }

  /** WebFlux is about to invoke {@code exchange}'s handler: the matched pattern is known. */
  public static void handlerFound(ServerWebExchange exchange) {
    try {
      Object pattern = exchange.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
      boolean gateway = false;
      if (pattern == null) {
        pattern = gatewayRouteId(exchange.getAttribute(GATEWAY_ROUTE));
        if (pattern == null) {
          return;
        }
        gateway = true;
      }
      ServerHttpRequest request = exchange.getRequest();
      Object nativeRequest;
      try {
        nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
      } catch (IllegalArgumentException notNative) {
        return; // a request of no server Weft knows (a test's mock)
      }
      if (!(nativeRequest instanceof Connection)) {
        return; // WebFlux on a servlet container or Undertow: not this module's server
      }
      Channel channel = ((Connection) nativeRequest).channel();
      ChannelHandler handler = channel.pipeline().get(HANDLER);
      if (!(handler instanceof Consumer)) {
        return; // reactor-netty-1 is off (weft.modules.disabled), or this is not HTTP/1.1
      }
      String route = pattern.toString();
      String contextPath = request.getPath().contextPath().value();
      if (!contextPath.isEmpty() && !gateway) {
        route = contextPath + route; // patterns are relative to the context path
      }
      @SuppressWarnings("unchecked")
      Consumer<String> routes = (Consumer<String>) handler;
      routes.accept(route);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, MODULE);
    }
  }
}
