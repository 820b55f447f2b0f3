package dev.weft.smoke.vertx;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.TimeoutHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small Vert.x Web service: a {@link Router} on a Vert.x HTTP server, no Weft code. The same
 * source builds against Vert.x 4.5 (this module, target/vertx-service.jar) and Vert.x 5.0
 * (vertx-5-service, target/vertx-5-service.jar).
 *
 * <pre>
 * java [-javaagent:weft-agent.jar] -jar vertx-service.jar [--port N (default 0: a free port)]
 * </pre>
 *
 * <ul>
 *   <li>every request first passes a path-less {@code BodyHandler} (the request's body is read
 *       before a route's handler runs);
 *   <li>{@code GET /orders/:id}: 200 {@code order <id>}
 *   <li>{@code GET /orders/:id/fail}: {@code ctx.fail(500)}: 500
 *   <li>{@code GET /orders/:id/throw}: the handler throws: 500
 *   <li>{@code GET /later/:id}: 200 {@code later <id>}, answered from a Vert.x timer 5 ms after the
 *       handler returned
 *   <li>{@code GET /api/items/:sku} (a sub-router mounted at {@code /api}): 200 {@code item <sku>}
 *   <li>{@code GET /hang/:id}: never answers (the client gives up)
 *   <li>{@code GET /slow/:id}: never answers itself; Vert.x Web's {@code TimeoutHandler} (200 ms)
 *       answers 503
 *   <li>{@code GET /stream/:id}: an endless chunked response, a line every 20 ms, until the client
 *       goes away
 *   <li>anything else: 404 (Vert.x Web's own)
 * </ul>
 *
 * Every route's handler logs exactly one line, through SLF4J and Logback on the event loop while
 * it runs: {@code request <method> <uri> -> <status> on <client port>} (the URI as sent, query
 * included; the client's port tells its connection), with Weft's {@code
 * trace_id}/{@code span_id}/{@code trace_flags} from the MDC (see logback.xml). Once listening it
 * prints {@code vertx-service listening on http://127.0.0.1:<port>} to stdout.
 */
public final class VertxService {

  private static final Logger LOG = LoggerFactory.getLogger("dev.weft.smoke.vertx.Requests");

  private VertxService() {}

  public static void main(String[] args) throws Exception {
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port") && i + 1 < args.length) {
        port = Integer.parseInt(args[++i]);
      } else {
        System.err.println("usage: java -jar vertx-service.jar [--port N]");
        System.exit(2);
      }
    }

    Vertx vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create());
    router
        .get("/orders/:id")
        .handler(
            ctx -> {
              String id = ctx.pathParam("id");
              log(ctx, 200);
              ctx.response().end("order " + id + "\n");
            });
    router
        .get("/orders/:id/fail")
        .handler(
            ctx -> {
              log(ctx, 500);
              ctx.fail(500);
            });
    router
        .get("/orders/:id/throw")
        .handler(
            ctx -> {
              log(ctx, 500);
              throw new IllegalStateException("order handler failed");
            });
    router
        .get("/later/:id")
        .handler(
            ctx -> {
              String id = ctx.pathParam("id");
              log(ctx, 200);
              vertx.setTimer(5, timer -> ctx.response().end("later " + id + "\n"));
            });
    router
        .get("/hang/:id")
        .handler(
            ctx -> {
              log(ctx, 0); // never answers: the client gives up
            });
    router
        .get("/slow/:id")
        .handler(TimeoutHandler.create(200))
        .handler(
            ctx -> {
              log(ctx, 503); // never answers itself: Vert.x Web's TimeoutHandler answers 503
            });
    router
        .get("/stream/:id")
        .handler(
            ctx -> {
              log(ctx, 200);
              HttpServerResponse response = ctx.response().setChunked(true);
              long[] line = {0};
              long timer =
                  vertx.setPeriodic(20, t -> response.write("line " + line[0]++ + "\n"));
              response.write("line " + line[0]++ + "\n");
              ctx.request().connection().closeHandler(v -> vertx.cancelTimer(timer));
            });
    Router api = Router.router(vertx);
    api.get("/items/:sku")
        .handler(
            ctx -> {
              String sku = ctx.pathParam("sku");
              log(ctx, 200);
              ctx.response().end("item " + sku + "\n");
            });
    router.route("/api/*").subRouter(api);

    CompletableFuture<HttpServer> listening = new CompletableFuture<>();
    vertx
        .createHttpServer(new HttpServerOptions())
        .requestHandler(router)
        .listen(port, "127.0.0.1")
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                listening.complete(ar.result());
              } else {
                listening.completeExceptionally(ar.cause());
              }
            });
    HttpServer server = listening.get(60, TimeUnit.SECONDS);
    System.out.println("vertx-service listening on http://127.0.0.1:" + server.actualPort());
    System.out.flush();

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  CompletableFuture<Void> closed = new CompletableFuture<>();
                  vertx.close().onComplete(ar -> closed.complete(null));
                  try {
                    closed.get(5, TimeUnit.SECONDS);
                  } catch (Exception e) {
                    // the JVM goes anyway
                  }
                },
                "vertx-service-stop"));
  }

  private static void log(RoutingContext ctx, int status) {
    LOG.info(
        "request {} {} -> {} on {}",
        ctx.request().method().name(),
        ctx.request().uri(),
        status,
        ctx.request().remoteAddress().port());
  }
}
