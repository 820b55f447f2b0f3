package dev.weft.runtime.dlq.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.weft.runtime.dlq.DlqEntry;
import dev.weft.runtime.dlq.RawRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * A dead letter as one line of JSON, for {@code dlq inspect}. Bytes (key, value, header values)
 * are written as a string when they are UTF-8 text without control characters other than
 * newline, carriage return and tab, else as {@code {"base64": "..."}}; null stays null.
 */
final class DlqJson {

  private static final JsonFactory JSON = new JsonFactory();

  private DlqJson() {}

  /** One JSON object, without a line break. */
  static String line(DeadLetter d) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      RawRecord r = d.record;
      g.writeStartObject();
      g.writeStringField("topic", r.topic);
      g.writeNumberField("partition", r.partition);
      g.writeNumberField("offset", r.offset);
      g.writeNumberField("timestamp", r.timestamp);
      g.writeFieldName("key");
      bytes(g, r.key);
      g.writeFieldName("value");
      bytes(g, r.value);
      g.writeArrayFieldStart("headers");
      List<String> keys = d.originalHeaderKeys();
      List<byte[]> values = d.originalHeaderValues();
      for (int i = 0; i < keys.size(); i++) {
        g.writeStartObject();
        g.writeStringField("key", keys.get(i));
        g.writeFieldName("value");
        bytes(g, values.get(i));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeObjectFieldStart("dead_letter");
      text(g, "original_topic", d.originalTopic());
      number(g, "original_partition", d.originalPartition());
      number(g, "original_offset", d.originalOffset());
      number(g, "original_timestamp", d.originalTimestamp());
      text(g, "original_timestamp_type", d.text(DeadLetter.ORIGINAL_TIMESTAMP_TYPE));
      text(g, "consumer_group", d.text(DeadLetter.CONSUMER_GROUP));
      text(g, "exception", d.exception());
      text(g, "exception_cause", d.exceptionCause());
      text(g, "exception_message", d.text(DeadLetter.EXCEPTION_MESSAGE));
      text(g, "exception_stacktrace", d.text(DeadLetter.EXCEPTION_STACKTRACE));
      text(g, "traceparent", d.text(DeadLetter.TRACEPARENT));
      g.writeEndObject();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /**
   * A spool entry as one JSON object: its state ({@code lost} or {@code waiting}), the reason it
   * was set aside, where the record came from, and the failure it carries.
   */
  static String spoolLine(DlqEntry e, String state) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("state", state);
      text(g, "reason", e.lostReason);
      text(g, "original_topic", e.topic);
      g.writeNumberField("original_partition", e.partition);
      g.writeNumberField("original_offset", e.offset);
      text(g, "consumer_group", e.group);
      text(g, "dlq_topic", e.dlqTopic);
      text(g, "bootstrap", e.bootstrap);
      text(g, "cluster_id", e.clusterId);
      for (int i = 0; i < e.failureKeys.size(); i++) {
        String key = e.failureKeys.get(i);
        if (key.equals("kafka_dlt-exception-fqcn")) {
          text(g, "exception", text(e.failureValues.get(i)));
        } else if (key.equals("kafka_dlt-exception-message")) {
          text(g, "exception_message", text(e.failureValues.get(i)));
        } else if (key.equals("kafka_dlt-exception-stacktrace")) {
          text(g, "exception_stacktrace", text(e.failureValues.get(i)));
        } else if (key.equals("traceparent")) {
          text(g, "traceparent", text(e.failureValues.get(i)));
        }
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void text(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  private static void number(JsonGenerator g, String name, Number value) throws IOException {
    if (value != null) {
      g.writeNumberField(name, value.longValue());
    }
  }

  /** Writes {@code value}: null, a string, or {@code {"base64": "..."}}. */
  static void bytes(JsonGenerator g, byte[] value) throws IOException {
    if (value == null) {
      g.writeNull();
      return;
    }
    String text = text(value);
    if (text != null) {
      g.writeString(text);
    } else {
      g.writeStartObject();
      g.writeStringField("base64", Base64.getEncoder().encodeToString(value));
      g.writeEndObject();
    }
  }

  /**
   * {@code value} decoded, when it is well-formed UTF-8 without control characters other than
   * {@code \n}, {@code \r} and {@code \t} (so that the string gives back the same bytes); else
   * null.
   */
  static String text(byte[] value) {
    String s;
    try {
      s =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value))
              .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
        return null;
      }
    }
    return s;
  }
}
