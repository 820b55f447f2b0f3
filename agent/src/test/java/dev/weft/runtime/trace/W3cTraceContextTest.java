package dev.weft.runtime.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.HeaderFields;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.config.WeftConfig;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * W3C Trace Context, rule by rule: what a request's {@code traceparent} and {@code tracestate}
 * fields (several fields of one name arrive joined by commas, as the server modules pass them)
 * make Weft send on from inside that request. Cases are this project's own, written from the
 * specification's text (level 1, and level 2's random flag).
 */
class W3cTraceContextTest {

  private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String PARENT = "b7ad6b7169203331";
  private static final String VALID = "00-" + TRACE + "-" + PARENT + "-01";

  private Tracing tracing;

  @BeforeEach
  void start() throws Exception {
    tracing = tracing("always_on");
  }

  @AfterEach
  void stop() {
    tracing.shutdown();
  }

  private static Tracing tracing(String sampler) throws Exception {
    Properties p = new Properties();
    p.setProperty("otel.traces.sampler", sampler);
    SpanExporter discard =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        };
    return Tracing.create(
        WeftConfig.load(null, p, new HashMap<>()), discard, DroppedSpans.NONE, new AgentErrors());
  }

  /** What a call made inside a request with these fields carries on (header name to value). */
  private Map<String, String> forwarded(String traceparent, String tracestate) {
    ServerSpan server = tracing.startServer("POST", "/test", "http", "/test", traceparent, tracestate, null);
    try {
      String[] headers = tracing.currentHeaders();
      Map<String, String> out = new HashMap<>();
      for (int i = 0; i < headers.length; i += 2) {
        out.put(headers[i], headers[i + 1]);
      }
      return out;
    } finally {
      server.end(200, null, null);
    }
  }

  private static String fields(String... values) {
    return HeaderFields.join(List.of(values));
  }

  private static String traceId(Map<String, String> headers) {
    return headers.get("traceparent").substring(3, 35);
  }

  private void assertContinued(String traceparent) {
    Map<String, String> out = forwarded(traceparent, null);
    assertEquals(TRACE, traceId(out), traceparent);
    assertNotEquals(PARENT, out.get("traceparent").substring(36, 52), traceparent);
  }

  private void assertRestarted(String traceparent) {
    Map<String, String> out = forwarded(traceparent, "foo=1");
    assertNotEquals(TRACE, traceId(out), traceparent);
    assertNull(out.get("tracestate"), "no tracestate goes with a restarted trace: " + traceparent);
  }

  @Test
  void aValidTraceparentIsContinuedWithANewParentId() {
    assertContinued(VALID);
    assertContinued("00-" + TRACE + "-" + PARENT + "-00");
    Map<String, String> out = forwarded(VALID, null);
    assertTrue(out.get("traceparent").matches("00-" + TRACE + "-[0-9a-f]{16}-0[13]"), out.toString());
    assertNull(out.get("tracestate"));
  }

  @Test
  void spacesAndTabsAroundTraceparentAreIgnored() {
    assertContinued(" " + VALID);
    assertContinued("\t" + VALID);
    assertContinued(VALID + " ");
    assertContinued(VALID + "\t");
    assertContinued("\t " + VALID + " \t");
  }

  @Test
  void malformedTraceparentStartsANewTrace() {
    String rest = TRACE + "-" + PARENT + "-01";
    for (String bad :
        List.of(
            "ff-" + rest,
            "0-" + rest,
            "000-" + rest,
            ".0-" + rest,
            "0.-" + rest,
            "0A-" + rest,
            "00-" + TRACE.toUpperCase() + "-" + PARENT + "-01",
            "00-" + TRACE + "-" + PARENT.toUpperCase() + "-01",
            "00-00000000000000000000000000000000-" + PARENT + "-01",
            "00-" + TRACE + "-0000000000000000-01",
            "00-" + TRACE.substring(1) + "-" + PARENT + "-01",
            "00-" + TRACE + "1-" + PARENT + "-01",
            "00-" + TRACE + "-" + PARENT.substring(1) + "-01",
            "00-" + TRACE + "-" + PARENT + "1-01",
            "00-." + TRACE.substring(1) + "-" + PARENT + "-01",
            "00-" + TRACE + "-" + PARENT + "-.1",
            "00-" + TRACE + "-" + PARENT + "-1",
            "00-" + TRACE + "-" + PARENT + "-001",
            VALID + ".",
            VALID + "-future",
            "cc-" + rest + ".future",
            "00_" + rest,
            "",
            "   ",
            "\u0000\u00ff\ud800")) {
      assertRestarted(bad);
    }
  }

  @Test
  void aLaterVersionIsReadAsFarAsThisVersionGoes() {
    assertContinued("cc-" + TRACE + "-" + PARENT + "-01");
    assertContinued("cc-" + TRACE + "-" + PARENT + "-01-what-comes-later");
    // Weft writes the version it knows.
    assertTrue(forwarded("cc-" + TRACE + "-" + PARENT + "-01", null).get("traceparent").startsWith("00-"));
  }

  @Test
  void twoTraceparentFieldsStartANewTrace() {
    assertRestarted(fields(VALID, "00-" + TRACE.replace('0', '1') + "-" + PARENT + "-01"));
    assertRestarted(fields(VALID, VALID));
  }

  @Test
  void tracestateGoesOnWithTheTraceAndOnlyWithIt() {
    assertEquals("foo=1,bar=2", forwarded(VALID, "foo=1,bar=2").get("tracestate"));
    // Without a valid traceparent the tracestate is not read.
    Map<String, String> orphan = forwarded(null, "foo=1");
    assertNull(orphan.get("tracestate"));
    assertNull(forwarded("00-" + TRACE + "-" + PARENT + "-0x", "foo=1").get("tracestate"));
  }

  @Test
  void severalTracestateFieldsAreOneListInOrder() {
    assertEquals(
        "foo=1,bar=2,rojo=1,congo=2,baz=3",
        forwarded(VALID, fields("foo=1,bar=2", "rojo=1,congo=2", "baz=3")).get("tracestate"));
    assertEquals("foo=1", forwarded(VALID, fields("foo=1", "")).get("tracestate"));
    assertEquals("foo=1", forwarded(VALID, fields("", "foo=1")).get("tracestate"));
  }

  @Test
  void anEmptyTracestateIsAcceptedAndNotSent() {
    for (String empty : List.of("", " ", "\t", ",", " , ,\t,", fields("", ""))) {
      Map<String, String> out = forwarded(VALID, empty);
      assertEquals(TRACE, traceId(out));
      assertNull(out.get("tracestate"), "'" + empty + "'");
    }
  }

  @Test
  void spacesAndTabsAroundMembersAreIgnoredButAValuesLeadingSpacesKept() {
    assertEquals("foo=1,bar=2,baz=3", forwarded(VALID, "foo=1 \t , \t bar=2, \t baz=3").get("tracestate"));
    assertEquals("foo=1,bar=2,baz=3", forwarded(VALID, "foo=1\t \t,\t \tbar=2,\t \tbaz=3").get("tracestate"));
    assertEquals("foo=1", forwarded(VALID, "\t foo=1 \t").get("tracestate"));
    assertEquals("foo= 1", forwarded(VALID, "foo= 1").get("tracestate"));
  }

  @Test
  void aRepeatedKeyKeepsItsFirstMember() {
    assertEquals("foo=1", forwarded(VALID, "foo=1,foo=1").get("tracestate"));
    assertEquals("foo=1,bar=3", forwarded(VALID, "foo=1,bar=3,foo=2").get("tracestate"));
    assertEquals("foo=1", forwarded(VALID, fields("foo=1", "foo=2")).get("tracestate"));
  }

  @Test
  void keysFollowTheKeyGrammar() {
    String allKeyChars = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    String allValueChars = allValueChars();
    assertEquals(allKeyChars + "=" + allValueChars, forwarded(VALID, allKeyChars + "=" + allValueChars).get("tracestate"));
    String withAt = allKeyChars + "@a-z0-9_-*/";
    assertEquals(withAt + "=1", forwarded(VALID, withAt + "=1").get("tracestate"));
    for (String key : List.of("foo@", "foo@@bar", "foo@bar@baz", "9lives", "t@" + "v".repeat(15),
        "t".repeat(241) + "@" + "v".repeat(14), "t".repeat(242) + "@v", "z".repeat(256))) {
      assertEquals("foo=1," + key + "=1", forwarded(VALID, fields("foo=1", key + "=1")).get("tracestate"), key);
    }
  }

  private static String allValueChars() {
    StringBuilder b = new StringBuilder();
    for (char c = 0x20; c <= 0x7e; c++) {
      if (c != ',' && c != '=') {
        b.append(c);
      }
    }
    return b.toString();
  }

  @Test
  void oneInvalidMemberDiscardsTheWholeList() {
    for (String bad :
        List.of(
            "@foo=1,bar=2",
            "foo =1,bar=2",
            "FOO=1,bar=2",
            "foo.bar=1,bar=2",
            "_foo=1,bar=2",
            "foo=bar=baz,bar=2",
            "foo=,bar=3",
            "=1,bar=2",
            "foo,bar=2",
            "foo=1\u0000,bar=2",
            "foo=\u00e9,bar=2",
            "foo=a\tb,bar=2",
            "bar=2," + "z".repeat(257) + "=1",
            "bar=2,foo=" + "v".repeat(257))) {
      Map<String, String> out = forwarded(VALID, bad);
      assertEquals(TRACE, traceId(out), bad);
      assertNull(out.get("tracestate"), bad);
    }
    assertEquals("bar=2,foo=" + "v".repeat(256), forwarded(VALID, "bar=2,foo=" + "v".repeat(256)).get("tracestate"));
  }

  @Test
  void thirtyTwoMembersAreKeptAndThirtyThreeDiscarded() {
    StringJoiner first32 = new StringJoiner(",");
    for (int i = 1; i <= 32; i++) {
      first32.add(String.format("bar%02d=%02d", i, i));
    }
    String list = first32.toString();
    String four = fields(list.substring(0, 89), list.substring(90, 179), list.substring(180, 269), list.substring(270));
    assertEquals(list, forwarded(VALID, four).get("tracestate"));
    assertNull(forwarded(VALID, fields(list, "bar33=33")).get("tracestate"));
    // Repeats are not members of their own: 32 distinct keys and a repeat are kept.
    assertEquals(list, forwarded(VALID, fields(list, "bar01=99")).get("tracestate"));
  }

  @Test
  void aListOverFiveHundredTwelveCharactersIsCutAsTheSpecificationSays() {
    String longMember = "long=" + "x".repeat(200);
    StringJoiner members = new StringJoiner(",");
    for (int i = 1; i <= 30; i++) {
      members.add(String.format("k%02d=%s", i, "v".repeat(12)));
    }
    // 30 members of 16 characters are 509 with their commas: the long member goes first.
    String cut = forwarded(VALID, members + "," + longMember).get("tracestate");
    assertEquals(members.toString(), cut);
    // Then members from the right, until the list fits.
    String more = members + ",k31=" + "v".repeat(12) + ",k32=" + "v".repeat(12);
    String kept = forwarded(VALID, more).get("tracestate");
    assertTrue(kept.length() <= 512, kept);
    assertEquals(members.toString(), kept);
  }

  @Test
  void theSampledFlagIsTheCallersUnlessWeftSamplesOtherwise() throws Exception {
    assertTrue(forwarded(VALID, null).get("traceparent").endsWith("1"));
    tracing.shutdown();
    tracing = tracing("parentbased_always_on");
    assertTrue(forwarded("00-" + TRACE + "-" + PARENT + "-00", null).get("traceparent").endsWith("-00"));
    assertTrue(forwarded(VALID, null).get("traceparent").endsWith("-01"));
  }

  @Test
  void theRandomFlagGoesOnWithTheTraceAndIsSetOnTracesWeftStarts() {
    assertTrue(forwarded("00-" + TRACE + "-" + PARENT + "-02", null).get("traceparent").endsWith("-03"));
    assertTrue(forwarded("00-" + TRACE + "-" + PARENT + "-03", null).get("traceparent").endsWith("-03"));
    assertTrue(forwarded(VALID, null).get("traceparent").endsWith("-01"));
    // Unknown flags are not passed on.
    assertTrue(forwarded("00-" + TRACE + "-" + PARENT + "-ff", null).get("traceparent").endsWith("-03"));
    assertTrue(forwarded("00-" + TRACE + "-" + PARENT + "-09", null).get("traceparent").endsWith("-01"));
    // A trace Weft starts has a random id.
    assertTrue(forwarded(null, null).get("traceparent").endsWith("-03"));
    assertTrue(forwarded("ff-" + TRACE + "-" + PARENT + "-00", null).get("traceparent").endsWith("-03"));
  }

  @Test
  void exporterNoneForwardsTheCallersTraceparentWithItsFlags() throws Exception {
    tracing.shutdown();
    Properties p = new Properties();
    p.setProperty("otel.traces.exporter", "none");
    tracing = Tracing.create(WeftConfig.load(null, p, new HashMap<>()), (SpanExporter) null, DroppedSpans.NONE, new AgentErrors());
    String caller = "00-" + TRACE + "-" + PARENT + "-03";
    Map<String, String> out = forwarded(caller, "a=1, b=2");
    assertEquals(caller, out.get("traceparent"));
    assertEquals("a=1,b=2", out.get("tracestate"));
  }

  /** Badly encoded baggage is ignored quietly: no log record per request for a client to cause. */
  @Test
  void badBaggageWritesNothingToTheApplicationsLog() {
    List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler capture =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    root.addHandler(capture);
    try {
      for (String bad : List.of("k=%zz", "k=%", "k=%e9%", "k=v%2", "%zz=1", "k=\u00e9%ff")) {
        ServerSpan server = tracing.startServer("GET", "/", "http", "/", VALID, null, bad);
        server.end(200, null, null);
      }
    } finally {
      root.removeHandler(capture);
    }
    assertEquals(List.of(), records.stream().map(r -> r.getLoggerName() + ": " + r.getMessage())
        .collect(java.util.stream.Collectors.toList()));
  }

  @Test
  void headerFieldsJoinsFieldsInOrder() {
    assertNull(HeaderFields.join((Iterable<String>) null));
    assertNull(HeaderFields.join(List.of()));
    assertEquals("a", HeaderFields.join(List.of("a")));
    assertEquals("a,b,", HeaderFields.join(List.of("a", "b", "")));
    assertNull(HeaderFields.join(Collections.emptyEnumeration()));
    assertEquals("a,b", HeaderFields.join(Collections.enumeration(List.of("a", "b"))));
  }
}
