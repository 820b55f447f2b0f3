package dev.weft.smoke.client;

import dev.weft.smoke.client.HttpClientService.Call;
import dev.weft.smoke.client.HttpClientService.Client;
import dev.weft.smoke.client.HttpClientService.Result;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;

/** Apache HttpClient 5 classic, a pooled client shared by the threads. */
final class Apache5Client implements Client {

  private final CloseableHttpClient client;

  Apache5Client() {
    PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
    pool.setMaxTotal(32);
    pool.setDefaultMaxPerRoute(32);
    client = HttpClients.custom().setConnectionManager(pool).build();
  }

  @Override
  @SuppressWarnings("deprecation") // execute(request) is the 5.0 API; later versions keep it
  public CompletableFuture<Result> send(Call call) {
    HttpUriRequestBase request;
    if (call.body != null) {
      HttpPost post = new HttpPost(call.url);
      post.setEntity(new StringEntity(call.body, ContentType.create("text/plain", StandardCharsets.UTF_8)));
      request = post;
    } else {
      request = new HttpGet(call.url);
    }
    if (call.traceparent != null) {
      request.setHeader("traceparent", call.traceparent);
    }
    try (CloseableHttpResponse response = client.execute(request)) {
      String body =
          response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
      boolean leaked = call.traceparent == null && request.getFirstHeader("traceparent") != null;
      return CompletableFuture.completedFuture(
          leaked
              ? Result.failed(new IllegalStateException("Weft left its header on the request"))
              : Result.of(response.getCode(), body));
    } catch (Exception e) {
      return CompletableFuture.completedFuture(Result.failed(e));
    }
  }

  @Override
  public void close() throws Exception {
    client.close();
  }
}
