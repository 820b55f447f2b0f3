package dev.weft.smoke.client;

import dev.weft.smoke.client.HttpClientService.Call;
import dev.weft.smoke.client.HttpClientService.Client;
import dev.weft.smoke.client.HttpClientService.Result;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;

/** Apache HttpClient 4.5 classic, a pooled client shared by the threads. */
final class Apache4Client implements Client {

  private final CloseableHttpClient client;

  Apache4Client() {
    PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
    pool.setMaxTotal(32);
    pool.setDefaultMaxPerRoute(32);
    client = HttpClients.custom().setConnectionManager(pool).build();
  }

  @Override
  public CompletableFuture<Result> send(Call call) {
    HttpRequestBase request;
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
              : Result.of(response.getStatusLine().getStatusCode(), body));
    } catch (Exception e) {
      return CompletableFuture.completedFuture(Result.failed(e));
    }
  }

  @Override
  public void close() throws Exception {
    client.close();
  }
}
