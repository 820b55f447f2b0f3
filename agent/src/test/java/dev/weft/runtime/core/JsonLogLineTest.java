package dev.weft.runtime.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON line: fields, escaping of any text, exceptions, and the id keys. */
class JsonLogLineTest {

  private final JsonLogLine lines = new JsonLogLine("checkout", "trace_id", "span_id", "trace_flags");

  /** A flat reading of one JSON object: "a.b" for nested fields, JSON null as Java null. */
  private static Map<String, String> parse(String json) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (JsonParser p = new JsonFactory().createParser(json)) {
      assertEquals(JsonToken.START_OBJECT, p.nextToken());
      read(p, "", out);
      assertNull(p.nextToken(), "one object, nothing after it");
    }
    return out;
  }

  private static void read(JsonParser p, String prefix, Map<String, String> out) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = prefix + p.getCurrentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_OBJECT) {
        out.put(name, "{}");
        read(p, name + ".", out);
      } else {
        out.put(name, t == JsonToken.VALUE_NULL ? null : p.getText());
      }
    }
  }

  @Test
  void fieldsOfAnEventInASpan() throws Exception {
    Map<String, String> mdc = new LinkedHashMap<>();
    mdc.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    mdc.put("span_id", "00f067aa0ba902b7");
    mdc.put("trace_flags", "01");
    mdc.put("order", "42");
    byte[] bytes = lines.utf8(1_764_340_502_123L, "INFO", "shop.Orders", "pool-1-thread-3", "accepted", mdc, null);
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertTrue(text.endsWith("\n"));
    assertEquals(1, text.split("\n", -1).length - 1, "exactly one line");
    Map<String, String> f = parse(text);
    assertEquals("2025-11-28T14:35:02.123Z", f.get("timestamp"));
    assertEquals("INFO", f.get("level"));
    assertEquals("checkout", f.get("service"));
    assertEquals("shop.Orders", f.get("logger"));
    assertEquals("pool-1-thread-3", f.get("thread"));
    assertEquals("accepted", f.get("message"));
    assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", f.get("trace_id"));
    assertEquals("00f067aa0ba902b7", f.get("span_id"));
    assertEquals("01", f.get("trace_flags"));
    assertEquals("42", f.get("context.order"));
    assertFalse(f.containsKey("context.trace_id"), "the ids are not repeated under context");
    assertFalse(f.containsKey("exception"));
  }

  @Test
  void outsideASpanThereAreNoIdsAndContextIsEmpty() throws Exception {
    Map<String, String> f =
        parse(new String(lines.utf8(0L, "WARN", "x", "main", "m", null, null), StandardCharsets.UTF_8));
    assertEquals("1970-01-01T00:00:00.000Z", f.get("timestamp"));
    assertFalse(f.containsKey("trace_id"));
    assertFalse(f.containsKey("span_id"));
    assertEquals("{}", f.get("context"));
  }

  @Test
  void anyTextSurvivesTheRoundTrip() throws Exception {
    String[] messages = {
      "say \"hi\" \\ back\\slash",
      "two\nlines\r\nand\ttab",
      "control \u0000 \u0001 \u001b[31m \u007f \u2028",
      "non-ASCII: é ß 日本語 🙂",
      "",
    };
    for (String m : messages) {
      Map<String, String> mdc = new LinkedHashMap<>();
      mdc.put("key \"q\"\n", m);
      String utf8 = new String(lines.utf8(1L, "INFO", m, m, m, mdc, null), StandardCharsets.UTF_8);
      assertEquals(1, utf8.split("\n", -1).length - 1, "one line for " + m);
      Map<String, String> f = parse(utf8);
      assertEquals(m, f.get("message"));
      assertEquals(m, f.get("logger"));
      assertEquals(m, f.get("context.key \"q\"\n"));

      String ascii = lines.ascii(1L, "INFO", "l", "t", m, null, null, "\n");
      for (char c : ascii.toCharArray()) {
        assertTrue(c <= 0x7f, "only ASCII in " + ascii);
      }
      assertEquals(m, parse(ascii).get("message"));
    }
  }

  @Test
  void aLoneSurrogateDoesNotLoseTheLine() throws Exception {
    String broken = "cut \uD83D here and \uDE42 there";
    String utf8 = new String(lines.utf8(1L, "INFO", "l", "t", broken, null, null), StandardCharsets.UTF_8);
    Map<String, String> f = parse(utf8);
    assertTrue(f.get("message").startsWith("cut "), f.get("message"));
    assertTrue(f.get("message").endsWith(" there"), f.get("message"));
    assertEquals("a\uFFFDb\uFFFDc\uD83D\uDE42", JsonLogLine.clean("a\uD83Db\uDE42c\uD83D\uDE42"));
  }

  @Test
  void exceptionWithItsCauseChain() throws Exception {
    Exception e =
        new IllegalStateException(
            "order failed", new java.io.IOException("disk \"full\"\nretry", new RuntimeException()));
    Map<String, String> f =
        parse(new String(lines.utf8(1L, "ERROR", "l", "t", "m", null, e), StandardCharsets.UTF_8));
    assertEquals("java.lang.IllegalStateException", f.get("exception.class"));
    assertEquals("order failed", f.get("exception.message"));
    String trace = f.get("exception.stack_trace");
    assertTrue(trace.startsWith("java.lang.IllegalStateException: order failed"), trace);
    assertTrue(trace.contains("Caused by: java.io.IOException: disk \"full\"\nretry"), trace);
    assertTrue(trace.contains("Caused by: java.lang.RuntimeException"), trace);
    assertTrue(trace.contains("\tat dev.weft.runtime.core.JsonLogLineTest"), trace);

    Map<String, String> noMessage =
        parse(new String(lines.utf8(1L, "ERROR", "l", "t", "m", null, new RuntimeException()), StandardCharsets.UTF_8));
    assertTrue(noMessage.containsKey("exception.message"));
    assertNull(noMessage.get("exception.message"));
  }

  @Test
  void nullFieldsAreJsonNull() throws Exception {
    Map<String, String> f =
        parse(new String(lines.utf8(1L, "INFO", null, null, null, null, null), StandardCharsets.UTF_8));
    assertTrue(f.containsKey("message"));
    assertNull(f.get("message"));
    assertNull(f.get("logger"));
  }

  @Test
  void timestampsAreUtcWithThreeDigitsOfMilliseconds() {
    assertEquals("2026-11-28T00:00:00.000Z", JsonLogLine.timestamp(1_795_824_000_000L));
    assertEquals("2026-11-28T23:59:59.999Z", JsonLogLine.timestamp(1_795_910_399_999L));
    assertEquals("1969-12-31T23:59:59.999Z", JsonLogLine.timestamp(-1L));
    assertEquals("2000-02-29T12:00:00.005Z", JsonLogLine.timestamp(951_825_600_005L));
    for (long t = 0; t < 4_000_000_000_000L; t += 7_919_999_999L) {
      assertEquals(java.time.Instant.ofEpochMilli(t).toString().length() == 24
              ? java.time.Instant.ofEpochMilli(t).toString()
              : JsonLogLine.timestamp(t),
          JsonLogLine.timestamp(t));
      assertEquals(t, java.time.Instant.parse(JsonLogLine.timestamp(t)).toEpochMilli());
    }
  }
}
