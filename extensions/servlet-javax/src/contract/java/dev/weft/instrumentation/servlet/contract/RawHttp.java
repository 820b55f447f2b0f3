package dev.weft.instrumentation.servlet.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 request on a connection of its own ({@code Connection: close}), read to the end.
 * Nothing between the test and the server: HTTP clients resend a request whose kept-alive
 * connection closed under them, which the server would rightly count twice.
 */
final class RawHttp {

  private static final int TIMEOUT_MILLIS = 30_000;

  private RawHttp() {}

  /** Sends the request and returns the status the server answered with. */
  static int send(int port, String method, String path, String traceparent) throws IOException {
    return traceparent == null
        ? sendFields(port, method, path)
        : sendFields(port, method, path, "traceparent", traceparent);
  }

  /** As {@link #send}, with these header fields (name, value pairs), each a line of its own. */
  static int sendFields(int port, String method, String path, String... fields)
      throws IOException {
    String response = exchange(port, method, path, fields);
    return Integer.parseInt(response.substring(9, 12));
  }

  /**
   * Sends the request and returns the whole response (status line, headers and body; a chunked
   * body as it came).
   */
  static String exchange(int port, String method, String path, String... fields)
      throws IOException {
    StringBuilder request = new StringBuilder();
    request.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    request.append("Host: 127.0.0.1:").append(port).append("\r\n");
    request.append("Connection: close\r\n");
    for (int i = 0; i < fields.length; i += 2) {
      request.append(fields[i]).append(": ").append(fields[i + 1]).append("\r\n");
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      request.append("Content-Length: 0\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      // "HTTP/1.1 200 OK"
      if (!response.startsWith("HTTP/1.1 ") || response.length() < 12) {
        throw new IOException(
            method + " " + path + ": not an HTTP/1.1 response: "
                + response.substring(0, Math.min(80, response.length())));
      }
      return response;
    }
  }
}
