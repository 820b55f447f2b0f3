package dev.weft.smoke.client;

import dev.weft.smoke.client.HttpClientService.Call;
import dev.weft.smoke.client.HttpClientService.Client;
import dev.weft.smoke.client.HttpClientService.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * HttpURLConnection the way applications use it: POSTs write through getOutputStream, every call
 * reads getResponseCode and then the body (the error stream for 4xx/5xx).
 */
final class UrlConnectionClient implements Client {

  @Override
  public CompletableFuture<Result> send(Call call) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(call.url).openConnection();
      c.setConnectTimeout(5000);
      c.setReadTimeout(20000);
      if (call.traceparent != null) {
        c.setRequestProperty("traceparent", call.traceparent);
      }
      if (call.body != null) {
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "text/plain");
        try (OutputStream out = c.getOutputStream()) {
          out.write(call.body.getBytes(StandardCharsets.UTF_8));
        }
      }
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      String body = in == null ? "" : read(in);
      return CompletableFuture.completedFuture(Result.of(status, body));
    } catch (Exception e) {
      return CompletableFuture.completedFuture(Result.failed(e));
    }
  }

  private static String read(InputStream in) throws IOException {
    try (InputStream s = in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      s.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
