package dev.weft.reliability;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 keep-alive connection, written by hand so that nothing is ever sent twice behind
 * the test's back (the JDK's client retries a GET once when a kept-alive connection closes under
 * it, and the server then really handled one request more than the test counted). A response
 * that says {@code Connection: close} closes it, and the next request opens a new one; any other
 * failure is the test's, since whether the server counted the request cannot be known.
 */
final class KeepAliveConnection implements Closeable {

  private final int port;
  private Socket socket;
  private OutputStream out;
  private InputStream in;
  private long opened;

  KeepAliveConnection(int port) {
    this.port = port;
  }

  /** Sends {@code GET target} and reads the whole response; returns its status. */
  int get(String target) throws IOException {
    if (socket == null) {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(30_000);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      out = new BufferedOutputStream(socket.getOutputStream(), 512);
      in = new BufferedInputStream(socket.getInputStream(), 8192);
      opened++;
    }
    out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    String statusLine = readLine();
    if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
      throw new IOException("not an HTTP/1.1 status line: '" + statusLine + "'");
    }
    int status = Integer.parseInt(statusLine.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean close = false;
    for (String header = readLine(); !header.isEmpty(); header = readLine()) {
      int colon = header.indexOf(':');
      String name = header.substring(0, colon).trim();
      String value = header.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equalsIgnoreCase("transfer-encoding")) {
        chunked = value.equalsIgnoreCase("chunked");
      } else if (name.equalsIgnoreCase("connection")) {
        close = value.equalsIgnoreCase("close");
      }
    }
    if (chunked) {
      for (long chunk = Long.parseLong(readLine().trim(), 16); chunk > 0;
          chunk = Long.parseLong(readLine().trim(), 16)) {
        skip(chunk);
        readLine();
      }
      while (!readLine().isEmpty()) {
        // trailers
      }
    } else if (length >= 0) {
      skip(length);
    } else {
      throw new IOException("a response with neither Content-Length nor chunked encoding");
    }
    if (close) {
      close();
    }
    return status;
  }

  /** How many TCP connections this one has opened so far. */
  long opened() {
    return opened;
  }

  private void skip(long n) throws IOException {
    while (n > 0) {
      long skipped = in.skip(n);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new EOFException("the connection closed inside a body");
        }
        skipped = 1;
      }
      n -= skipped;
    }
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("the connection closed inside a response");
      }
      if (c == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
      line.append((char) c);
    }
  }

  @Override
  public void close() throws IOException {
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }
}
