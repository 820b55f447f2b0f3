package dev.weft.instrumentation.vertx.web.v4;

import dev.weft.bootstrap.WeftBridge;
import io.netty.channel.ChannelHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The route template Vert.x Web matched, handed to Weft's handler in the request's channel. A
 * helper class of the module, typed against Vert.x Web, Vert.x core and Netty, defined next to
 * Vert.x Web's {@code RouteState}. Nothing here throws.
 *
 * <p>The template of a route:
 *
 * <ul>
 *   <li>a route with a path: the path as declared, {@code :params} included ({@code
 *       /orders/:id}); a prefix route ({@code /static/*}) keeps its {@code *};
 *   <li>a route declared by a regular expression ({@code getWithRegex}): its name when the
 *       application named it ({@code Route.setName}), else the expression as declared. Both are
 *       fixed per route, so bounded by the number of routes; never the request's path;
 *   <li>a route of a sub-router: the sub-router's mount point, then the template ({@code
 *       /api/orders/:id});
 *   <li>a route with neither (a {@code router.route()} middleware, a body handler): none; the
 *       request keeps the template of the last route with one, or {@code /} when none served it.
 * </ul>
 *
 * The request's connection is a Vert.x {@code ConnectionBase} on a Netty channel (4.0.0 to
 * 5.2.x), where Weft's handler sits under the name {@link VertxPipelines#NAME}. That handler takes
 * the route as a {@code Consumer<String>}, a JDK type. A template with no mount point and an exact
 * path is passed as it is: no allocation.
 */
public final class VertxRoutes {

  private VertxRoutes() {}

  /** The router hands {@code context}'s request to the handler of the route described. */
  public static void routeMatched(
      RoutingContext context, String path, boolean exactPath, Pattern pattern, String name) {
    try {
      String route;
      if (path != null) {
        route = exactPath || path.endsWith("*") ? path : path + "*";
      } else if (pattern != null) {
        route = name != null ? name : pattern.pattern();
      } else {
        return; // a route with no path: it describes no request
      }
      String mount = context.mountPoint();
      if (mount != null && !mount.isEmpty() && !"/".equals(mount)) {
        int end = mount.endsWith("/") ? mount.length() - 1 : mount.length();
        route =
            route.startsWith("/")
                ? mount.substring(0, end) + route
                : mount.substring(0, end) + "/" + route;
      }
      HttpServerRequest request = context.request();
      if (request == null) {
        return;
      }
      HttpConnection connection = request.connection();
      if (!(connection instanceof ConnectionBase)) {
        return; // not a Vert.x server connection (a test's fake request)
      }
      ChannelHandler handler = ((ConnectionBase) connection).channel().pipeline().get(
          VertxPipelines.NAME);
      if (!(handler instanceof Consumer)) {
        return; // HTTP/2, or the handler is not there (the module saw no codec)
      }
      @SuppressWarnings("unchecked")
      Consumer<String> routes = (Consumer<String>) handler;
      routes.accept(route);
    } catch (Throwable t) {
      WeftBridge.adviceFailed(t, VertxPipelines.MODULE);
    }
  }
}
