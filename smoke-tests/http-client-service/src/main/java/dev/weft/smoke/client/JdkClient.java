package dev.weft.smoke.client;

import dev.weft.smoke.client.HttpClientService.Call;
import dev.weft.smoke.client.HttpClientService.Client;
import dev.weft.smoke.client.HttpClientService.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** java.net.http.HttpClient: send, or sendAsync. */
final class JdkClient implements Client {

  private final boolean async;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  JdkClient(boolean async) {
    this.async = async;
  }

  @Override
  public CompletableFuture<Result> send(Call call) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(call.url)).timeout(Duration.ofSeconds(20));
    if (call.body != null) {
      b.POST(HttpRequest.BodyPublishers.ofString(call.body)).header("Content-Type", "text/plain");
    } else {
      b.GET();
    }
    if (call.traceparent != null) {
      b.header("traceparent", call.traceparent);
    }
    HttpRequest request = b.build();
    if (async) {
      return client
          .sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .handle(
              (response, failure) -> {
                if (failure != null) {
                  Throwable cause =
                      failure instanceof CompletionException && failure.getCause() != null
                          ? failure.getCause()
                          : failure;
                  return Result.failed(cause);
                }
                return Result.of(response.statusCode(), response.body());
              });
    }
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return CompletableFuture.completedFuture(Result.of(response.statusCode(), response.body()));
    } catch (Exception e) {
      return CompletableFuture.completedFuture(Result.failed(e));
    }
  }
}
