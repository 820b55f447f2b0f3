package dev.weft.instrumentation.http.client.urlconnection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.Operations;
import dev.weft.bootstrap.WeakIdentityMap;
import dev.weft.bootstrap.WeftBridge;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URL;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bookkeeping behind the HttpURLConnection advice, driven in the order in which the JDK calls
 * the woven methods (no connection is opened: {@code openConnection} only builds the object).
 */
class UrlConnectionCallsTest {

  static final List<String> ENDED = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void installRecorder() {
    WeftBridge.install(
        new Operations() {
          @Override
          public Object startCall(
              OperationKind kind, String method, String scheme, String host, int port, String path) {
            return method + " " + scheme + "://" + host + ":" + port + path;
          }

          @Override
          public String[] propagationHeaders(Object handle) {
            return new String[] {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"};
          }

          @Override
          public void end(Object handle, int status, Throwable error) {
            ENDED.add(handle + " -> " + status + (error == null ? "" : " " + error.getClass().getSimpleName()));
          }

          // Not what HttpURLConnection reports:
          @Override
          public Object start(OperationKind k, Object key, byte[] name, String host, int port, int db) {
            throw new AssertionError();
          }

          @Override
          public Object start(OperationKind k, Object key, byte[] name, Socket socket, int db) {
            throw new AssertionError();
          }

          @Override
          public Object startOn(OperationKind k, Object connection, Object key, byte[] name) {
            throw new AssertionError();
          }

          @Override
          public void end(Object operation, Throwable error) {
            throw new AssertionError();
          }

          @Override
          public void connected(Object connection, String host, int port, int db) {
            throw new AssertionError();
          }

          @Override
          public void awaitReply(Object connection, Object operation) {
            throw new AssertionError();
          }

          @Override
          public void replied(Object connection, Throwable error, boolean broken) {
            throw new AssertionError();
          }
        });
    WeftBridge.install(ContextBridge.NOOP);
  }

  @AfterAll
  static void uninstall() {
    WeftBridge.install(Operations.NOOP);
  }

  @Test
  void getInputStreamWithItsNestedCallsIsOneCall() throws IOException {
    ENDED.clear();
    HttpURLConnection c = (HttpURLConnection) new URL("http://user:pw@example.test:8080/a/b?secret=1").openConnection();
    UrlConnectionCalls.enter(c, false, false); // getResponseCode -> getInputStream
    assertEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", c.getRequestProperty("traceparent"));
    UrlConnectionCalls.enter(c, false, false); // connect, from inside
    UrlConnectionCalls.exit(c, false, -1, null);
    UrlConnectionCalls.enter(c, true, false); // getInputStream again, through getResponseCode
    UrlConnectionCalls.exit(c, true, 302, null); // a redirect on the way: not the end
    assertEquals(List.of(), ENDED);
    UrlConnectionCalls.exit(c, true, 200, null);
    assertEquals(List.of("GET http://example.test:8080/a/b -> 200"), ENDED);
    // Later accessors (getHeaderField, getInputStream again) are not new calls.
    UrlConnectionCalls.enter(c, true, false);
    UrlConnectionCalls.exit(c, true, 200, null);
    assertEquals(1, ENDED.size());
  }

  @Test
  void errorStatusesKeepTheirStatusAndRefusedConnectionsTheirException() throws IOException {
    ENDED.clear();
    HttpURLConnection notFound = (HttpURLConnection) new URL("http://example.test/x").openConnection();
    UrlConnectionCalls.enter(notFound, false, false);
    UrlConnectionCalls.exit(notFound, true, 404, new java.io.FileNotFoundException());
    HttpURLConnection refused = (HttpURLConnection) new URL("http://example.test/y").openConnection();
    UrlConnectionCalls.enter(refused, false, false); // explicit connect()
    UrlConnectionCalls.exit(refused, false, -1, new ConnectException());
    UrlConnectionCalls.enter(refused, false, false); // the app retries getInputStream on it
    UrlConnectionCalls.exit(refused, true, -1, new ConnectException());
    assertEquals(
        List.of("GET http://example.test:-1/x -> 404", "GET http://example.test:-1/y -> -1 ConnectException"),
        ENDED);
  }

  @Test
  void getOutputStreamStartsAPostAndAnAppTraceparentIsKept() throws IOException {
    ENDED.clear();
    HttpURLConnection c = (HttpURLConnection) new URL("http://example.test/p").openConnection();
    c.setDoOutput(true);
    c.setRequestProperty("traceparent", "00-11111111111111111111111111111111-2222222222222222-01");
    UrlConnectionCalls.enter(c, false, true);
    UrlConnectionCalls.exit(c, false, -1, null); // body written; response later
    assertEquals("00-11111111111111111111111111111111-2222222222222222-01", c.getRequestProperty("traceparent"));
    UrlConnectionCalls.enter(c, true, false);
    UrlConnectionCalls.exit(c, true, 201, null);
    assertEquals(List.of("POST http://example.test:-1/p -> 201"), ENDED);
  }

  @Test
  void weakIdentityMapComparesByIdentityAndForgetsCollectedKeys() throws Exception {
    WeakIdentityMap<String> map = new WeakIdentityMap<>();
    String a = new String("k");
    String b = new String("k");
    map.put(a, "A");
    map.put(b, "B");
    assertSame("A", map.get(a));
    assertSame("B", map.get(b));
    assertEquals("A", map.remove(a));
    assertNull(map.get(a));
    map.put(new Object(), "garbage");
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (map.size() > 1 && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20); // pacing for the collector only; the loop polls the condition
    }
    assertEquals(1, map.size());
    assertTrue(map.get(b) != null);
  }
}
