package dev.weft.smoke.client;

import dev.weft.smoke.client.HttpClientService.Call;
import dev.weft.smoke.client.HttpClientService.Client;
import dev.weft.smoke.client.HttpClientService.Result;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/** OkHttp 4: execute(), or enqueue() with a callback. */
final class OkHttpClientCalls implements Client {

  private final boolean async;
  private final OkHttpClient client;

  OkHttpClientCalls(boolean async) {
    this.async = async;
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(32);
    dispatcher.setMaxRequestsPerHost(32);
    client =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectionPool(new ConnectionPool(16, 1, TimeUnit.MINUTES))
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(20, TimeUnit.SECONDS)
            .build();
  }

  @Override
  @SuppressWarnings("deprecation") // RequestBody.create(MediaType, String): the one 4.0 and 4.12 share
  public CompletableFuture<Result> send(Call call) {
    Request.Builder b = new Request.Builder().url(call.url);
    if (call.body != null) {
      b.post(RequestBody.create(MediaType.get("text/plain; charset=utf-8"), call.body));
    }
    if (call.traceparent != null) {
      b.header("traceparent", call.traceparent);
    }
    Request request = b.build();
    okhttp3.Call okCall = client.newCall(request);
    CompletableFuture<Result> result = new CompletableFuture<>();
    if (async) {
      okCall.enqueue(
          new Callback() {
            @Override
            public void onFailure(okhttp3.Call c, IOException e) {
              result.complete(Result.failed(e));
            }

            @Override
            public void onResponse(okhttp3.Call c, Response response) {
              result.complete(read(c, response));
            }
          });
      return result;
    }
    try {
      Response response = okCall.execute();
      result.complete(read(okCall, response));
    } catch (Exception e) {
      result.complete(Result.failed(e));
    }
    return result;
  }

  private static Result read(okhttp3.Call call, Response response) {
    try (Response r = response) {
      String body = r.body() == null ? "" : r.body().string();
      if (call.request().header("traceparent") != null
          && !HttpClientService.APP_TRACEPARENT.equals(call.request().header("traceparent"))) {
        return Result.failed(new IllegalStateException("Weft changed the call's request"));
      }
      return Result.of(r.code(), body);
    } catch (Exception e) {
      return Result.failed(e);
    }
  }

  @Override
  public void close() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
