package dev.weft.runtime.dlq.cli;

import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.deadLetter;
import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.plain;
import static dev.weft.runtime.dlq.cli.DeadLetterFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.weft.runtime.dlq.RawRecord;
import org.junit.jupiter.api.Test;

/** {@code dlq inspect}'s JSON lines. */
class DlqJsonTest {

  @Test
  void textIsWellFormedUtf8WithoutControlCharacters() {
    assertEquals("", DlqJson.text(new byte[0]));
    assertEquals("order-1", DlqJson.text(utf8("order-1")));
    assertEquals("Grüße, 東京 \uD83D\uDE00", DlqJson.text(utf8("Grüße, 東京 \uD83D\uDE00")));
    assertEquals("a\nb\r\nc\td", DlqJson.text(utf8("a\nb\r\nc\td")));
    assertEquals("{\"id\":\"q\\\"\"}", DlqJson.text(utf8("{\"id\":\"q\\\"\"}")));
    assertNull(DlqJson.text(new byte[] {'a', 0}));
    assertNull(DlqJson.text(new byte[] {'a', 0x1b, '['}));
    assertNull(DlqJson.text(new byte[] {0x7f}));
    assertNull(DlqJson.text(utf8("\u0085"))); // C1 control
    assertNull(DlqJson.text(new byte[] {(byte) 0xff, 'a'}));
    assertNull(DlqJson.text(new byte[] {(byte) 0xc3})); // cut in the middle of a character
    assertNull(DlqJson.text(new byte[] {(byte) 0xc0, (byte) 0x80})); // overlong NUL
    assertNull(DlqJson.text(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80})); // a surrogate
    assertNull(DlqJson.text(new byte[] {0, 0, 0, 1})); // an int header
  }

  @Test
  void aDeadLetterIsOneLine() {
    IllegalStateException error = new IllegalStateException("bad \"quote\"\nsecond line \u0001 é");
    error.setStackTrace(new StackTraceElement[0]);
    RawRecord r =
        deadLetter(
            7, "orders", 2, 41, error, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            utf8("k\"1"), new byte[] {(byte) 0xca, (byte) 0xfe, 0x00},
            "content-type", utf8("application/json"), "n\u0001l", null, "bin", new byte[] {0, 0, 0, 2});

    String line = DlqJson.line(new DeadLetter(r));

    assertEquals(
        "{\"topic\":\"orders.dlq\",\"partition\":0,\"offset\":7,\"timestamp\":1700000000123,"
            + "\"key\":\"k\\\"1\",\"value\":{\"base64\":\"yv4A\"},"
            + "\"headers\":[{\"key\":\"content-type\",\"value\":\"application/json\"},"
            + "{\"key\":\"n\\u0001l\",\"value\":null},{\"key\":\"bin\",\"value\":{\"base64\":\"AAAAAg==\"}}],"
            + "\"dead_letter\":{\"original_topic\":\"orders\",\"original_partition\":2,"
            + "\"original_offset\":41,\"original_timestamp\":1700000000123,"
            + "\"original_timestamp_type\":\"CreateTime\",\"consumer_group\":\"billing\","
            + "\"exception\":\"java.lang.IllegalStateException\","
            + "\"exception_message\":\"bad \\\"quote\\\"\\nsecond line \\u0001 é\","
            + "\"exception_stacktrace\":\"java.lang.IllegalStateException: bad \\\"quote\\\"\\nsecond line \\u0001 é"
            + System.lineSeparator().replace("\r", "\\r").replace("\n", "\\n") + "\","
            + "\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}}",
        line);
    assertFalse(line.contains("\n"));
  }

  @Test
  void absentFieldsAreOmittedAndNullBytesAreNull() throws Exception {
    String line = DlqJson.line(new DeadLetter(plain(3, null, null)));
    assertEquals(
        "{\"topic\":\"x.dlq\",\"partition\":0,\"offset\":3,\"timestamp\":-1,\"key\":null,"
            + "\"value\":null,\"headers\":[],\"dead_letter\":{}}",
        line);
  }

  @Test
  void aParserReadsTheSameText() throws Exception {
    String value = "tab\there \"q\" \\ back, ünïcödé \uD83D\uDE00";
    String line =
        DlqJson.line(
            new DeadLetter(deadLetter(0, "t", 0, 0, new RuntimeException(), null, null, utf8(value))));
    try (JsonParser p = new JsonFactory().createParser(line)) {
      String read = null;
      while (p.nextToken() != null) {
        if (p.currentToken() == JsonToken.FIELD_NAME && p.getCurrentName().equals("value")) {
          p.nextToken();
          read = p.getText();
          break;
        }
      }
      assertEquals(value, read);
    }
    assertTrue(line.contains("ünïcödé \uD83D\uDE00"), "non-ASCII stays as it is: " + line);
  }
}
