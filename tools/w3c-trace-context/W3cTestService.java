import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The test service the W3C Trace Context validation harness drives (its test/README.md): a JDK
 * HTTP server whose POST handler reads a JSON array of {"url": ..., "arguments": [...]} and, for
 * each element, POSTs the element's arguments to its url with the JDK HttpClient. It has no
 * tracing code of its own: whatever trace context its calls carry is Weft's doing.
 *
 * <p>Run by tools/w3c-trace-context/run, with the agent attached: {@code java
 * -javaagent:weft-agent.jar W3cTestService.java <port>}.
 */
public final class W3cTestService {

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(
        "/test",
        exchange -> {
          int status = 200;
          try (InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (Call call : Call.parseAll(body)) {
              CLIENT.send(
                  HttpRequest.newBuilder(URI.create(call.url))
                      .timeout(Duration.ofSeconds(5))
                      .header("Content-Type", "application/json")
                      .POST(HttpRequest.BodyPublishers.ofString(call.arguments))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
            }
          } catch (Exception e) {
            status = 500;
          }
          exchange.sendResponseHeaders(status, -1);
          try (OutputStream out = exchange.getResponseBody()) {
            out.flush();
          }
        });
    server.start();
    System.out.println("w3c test service on http://127.0.0.1:" + port + "/test");
  }

  /** One element of the harness's array: where to call, and the JSON text to send there. */
  static final class Call {
    final String url;
    final String arguments;

    Call(String url, String arguments) {
      this.url = url;
      this.arguments = arguments;
    }

    /** The elements of {@code json}, an array of objects with "url" and "arguments". */
    static List<Call> parseAll(String json) {
      Reader r = new Reader(json);
      List<Call> calls = new ArrayList<>();
      r.expect('[');
      while (r.peek() != ']') {
        r.expect('{');
        String url = null;
        String arguments = "[]";
        while (r.peek() != '}') {
          String key = r.string();
          r.expect(':');
          int from = r.skipValue();
          String raw = json.substring(from, r.pos).trim();
          if (key.equals("url")) {
            url = new Reader(raw).string();
          } else if (key.equals("arguments")) {
            arguments = raw;
          }
          if (r.peek() == ',') {
            r.expect(',');
          }
        }
        r.expect('}');
        calls.add(new Call(url, arguments));
        if (r.peek() == ',') {
          r.expect(',');
        }
      }
      return calls;
    }
  }

  /** Just enough JSON reading for the harness's messages. */
  static final class Reader {
    final String s;
    int pos;

    Reader(String s) {
      this.s = s;
    }

    char peek() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
      if (pos == s.length()) {
        throw new IllegalArgumentException("unexpected end of JSON");
      }
      return s.charAt(pos);
    }

    void expect(char c) {
      if (peek() != c) {
        throw new IllegalArgumentException("expected " + c + " at " + pos);
      }
      pos++;
    }

    String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (s.charAt(pos) != '"') {
        char c = s.charAt(pos++);
        if (c == '\\') {
          char e = s.charAt(pos++);
          switch (e) {
            case 'n': out.append('\n'); break;
            case 't': out.append('\t'); break;
            case 'r': out.append('\r'); break;
            case 'b': out.append('\b'); break;
            case 'f': out.append('\f'); break;
            case 'u':
              out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
              pos += 4;
              break;
            default: out.append(e);
          }
        } else {
          out.append(c);
        }
      }
      pos++;
      return out.toString();
    }

    /** Skips one value; returns where it began. */
    int skipValue() {
      char c = peek();
      int from = pos;
      if (c == '"') {
        string();
      } else if (c == '[' || c == '{') {
        char close = c == '[' ? ']' : '}';
        pos++;
        while (peek() != close) {
          if (c == '{') {
            string();
            expect(':');
          }
          skipValue();
          if (peek() == ',') {
            pos++;
          }
        }
        pos++;
      } else {
        while (pos < s.length() && ",]} \t\r\n".indexOf(s.charAt(pos)) < 0) {
          pos++;
        }
      }
      return from;
    }
  }
}
