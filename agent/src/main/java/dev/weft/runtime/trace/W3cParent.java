package dev.weft.runtime.trace;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import io.opentelemetry.context.ContextKey;

/**
 * The caller's W3C Trace Context, read by Weft itself to the letter of the specification (level
 * 1, and level 2's random flag), and what Weft writes for the calls it continues it with.
 *
 * <p>{@code traceparent}: optional spaces and tabs around the value are ignored; version {@code
 * ff}, upper-case or non-hex digits, an all-zero trace or parent id, a version-00 value of any
 * length other than 55, or a later version's value not followed by {@code -} after its 55th
 * character are invalid, and an invalid value starts a new trace with no {@code tracestate}. Two
 * {@code traceparent} fields arrive joined by a comma and are invalid.
 *
 * <p>{@code tracestate} (all its fields joined by commas): members are {@code key=value} with
 * spaces and tabs around them ignored and empty members skipped; a key is a lower-case letter or
 * digit then up to 255 of {@code a-z 0-9 _ - * / @}; a value is 1 to 256 printable ASCII
 * characters other than {@code ,} and {@code =}, not ending in a space. One invalid member, or
 * more than 32 members, discards the whole list. A repeated key keeps its first member. The list
 * is forwarded unchanged (spaces dropped) while the trace continues; one longer than 512
 * characters is cut as the specification says: members over 128 characters first, then from the
 * right.
 */
final class W3cParent {

  static final int SAMPLED = 0x01;
  static final int RANDOM = 0x02;
  static final int MAX_MEMBERS = 32;
  static final int MAX_TRACESTATE = 512;
  private static final int LONG_MEMBER = 128;
  private static final int TRACEPARENT_LENGTH = 55;

  /**
   * Where a received parent is kept in the context its request or record runs in (or, for a
   * trace Weft started, {@link #startedHere}).
   */
  static final ContextKey<W3cParent> KEY = ContextKey.named("weft-w3c-parent");

  final String traceId;
  final String spanId;
  final int flags; // SAMPLED and RANDOM only: other bits are not forwarded
  final String tracestate; // normalised, or null

  private W3cParent(String traceId, String spanId, int flags, String tracestate) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.flags = flags;
    this.tracestate = tracestate;
  }

  /** A trace Weft started, with its random id: no caller, no tracestate. */
  static W3cParent startedHere(String traceId) {
    return new W3cParent(traceId, null, RANDOM, null);
  }

  boolean random() {
    return (flags & RANDOM) != 0;
  }

  /** The span context of the caller, as OpenTelemetry's samplers and span builder take it. */
  SpanContext spanContext() {
    return SpanContext.createFromRemoteParent(
        traceId,
        spanId,
        (flags & SAMPLED) != 0 ? TraceFlags.getSampled() : TraceFlags.getDefault(),
        traceState(tracestate));
  }

  /**
   * The parent {@code traceparent} names with the {@code tracestate} that goes with it, or null
   * when {@code traceparent} is missing or invalid (then {@code tracestate} is never read).
   */
  static W3cParent parse(String traceparent, String tracestate) {
    if (traceparent == null || traceparent.length() > Tracing.MAX_HEADER) {
      return null;
    }
    int b = 0;
    int end = traceparent.length();
    while (b < end && ows(traceparent.charAt(b))) {
      b++;
    }
    while (end > b && ows(traceparent.charAt(end - 1))) {
      end--;
    }
    int length = end - b;
    if (length < TRACEPARENT_LENGTH
        || !lowerHex(traceparent, b, 2)
        || traceparent.charAt(b + 2) != '-'
        || traceparent.charAt(b + 35) != '-'
        || traceparent.charAt(b + 52) != '-'
        || !lowerHex(traceparent, b + 3, 32)
        || !lowerHex(traceparent, b + 36, 16)
        || !lowerHex(traceparent, b + 53, 2)) {
      return null;
    }
    char v0 = traceparent.charAt(b);
    char v1 = traceparent.charAt(b + 1);
    if (v0 == 'f' && v1 == 'f') {
      return null;
    }
    if (v0 == '0' && v1 == '0'
        ? length != TRACEPARENT_LENGTH
        : length > TRACEPARENT_LENGTH && traceparent.charAt(b + TRACEPARENT_LENGTH) != '-') {
      return null;
    }
    if (zeros(traceparent, b + 3, 32) || zeros(traceparent, b + 36, 16)) {
      return null;
    }
    int flags = Character.digit(traceparent.charAt(b + 54), 16);
    return new W3cParent(
        traceparent.substring(b + 3, b + 35),
        traceparent.substring(b + 36, b + 52),
        flags & (SAMPLED | RANDOM),
        tracestate(tracestate));
  }

  /** {@code tracestate} normalised as the class comment says, or null for none or invalid. */
  static String tracestate(String combined) {
    if (combined == null || combined.isEmpty() || combined.length() > Tracing.MAX_HEADER) {
      return null;
    }
    int[] starts = new int[MAX_MEMBERS];
    int[] ends = new int[MAX_MEMBERS];
    int[] keyEnds = new int[MAX_MEMBERS];
    int members = 0;
    int n = combined.length();
    int i = 0;
    while (i <= n) {
      int comma = combined.indexOf(',', i);
      if (comma < 0) {
        comma = n;
      }
      int a = i;
      int z = comma;
      while (a < z && ows(combined.charAt(a))) {
        a++;
      }
      while (z > a && ows(combined.charAt(z - 1))) {
        z--;
      }
      if (a < z) {
        int eq = member(combined, a, z);
        if (eq < 0) {
          return null;
        }
        if (!seen(combined, a, eq, starts, keyEnds, members)) {
          if (members == MAX_MEMBERS) {
            return null;
          }
          starts[members] = a;
          keyEnds[members] = eq;
          ends[members] = z;
          members++;
        }
      }
      i = comma + 1;
    }
    if (members == 0) {
      return null;
    }
    return join(combined, starts, ends, members);
  }

  /** The position of the {@code =} of a valid member in [a, z), or -1. */
  private static int member(String s, int a, int z) {
    char first = s.charAt(a);
    if (!(first >= 'a' && first <= 'z' || first >= '0' && first <= '9')) {
      return -1;
    }
    int eq = a + 1;
    while (eq < z && keyChar(s.charAt(eq))) {
      eq++;
    }
    if (eq == z || s.charAt(eq) != '=' || eq - a > 256) {
      return -1;
    }
    int valueLength = z - eq - 1;
    if (valueLength < 1 || valueLength > 256) {
      return -1;
    }
    for (int k = eq + 1; k < z; k++) {
      char c = s.charAt(k);
      if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
        return -1;
      }
    }
    return s.charAt(z - 1) == ' ' ? -1 : eq;
  }

  private static boolean seen(String s, int a, int eq, int[] starts, int[] keyEnds, int members) {
    int length = eq - a;
    for (int m = 0; m < members; m++) {
      if (keyEnds[m] - starts[m] == length && s.regionMatches(starts[m], s, a, length)) {
        return true;
      }
    }
    return false;
  }

  /** The members joined by commas, cut to {@link #MAX_TRACESTATE} characters when longer. */
  private static String join(String s, int[] starts, int[] ends, int members) {
    boolean[] dropped = new boolean[members];
    int total = members - 1;
    for (int m = 0; m < members; m++) {
      total += ends[m] - starts[m];
    }
    for (int m = members - 1; m >= 0 && total > MAX_TRACESTATE; m--) {
      if (ends[m] - starts[m] > LONG_MEMBER) {
        dropped[m] = true;
        total -= ends[m] - starts[m] + 1;
      }
    }
    for (int m = members - 1; m >= 0 && total > MAX_TRACESTATE; m--) {
      if (!dropped[m]) {
        dropped[m] = true;
        total -= ends[m] - starts[m] + 1;
      }
    }
    StringBuilder out = new StringBuilder(Math.max(total, 0));
    for (int m = 0; m < members; m++) {
      if (!dropped[m]) {
        if (out.length() > 0) {
          out.append(',');
        }
        out.append(s, starts[m], ends[m]);
      }
    }
    return out.length() == 0 ? null : out.toString();
  }

  /**
   * The list as OpenTelemetry's span context carries it, for the exported spans' trace state:
   * best effort, as its builder leaves out keys of the older key grammar it does not accept.
   */
  private static TraceState traceState(String tracestate) {
    if (tracestate == null) {
      return TraceState.getDefault();
    }
    TraceStateBuilder builder = TraceState.builder();
    int end = tracestate.length();
    // put() adds to the front: the last member first keeps the list's order.
    while (end > 0) {
      int start = tracestate.lastIndexOf(',', end - 1) + 1;
      int eq = tracestate.indexOf('=', start);
      builder.put(tracestate.substring(start, eq), tracestate.substring(eq + 1, end));
      end = start - 1;
    }
    return builder.build();
  }

  /** The {@code traceparent} of the span {@code context} continuing this parent's trace. */
  static String traceparent(SpanContext context, int flags) {
    char[] out = new char[TRACEPARENT_LENGTH];
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
    context.getTraceId().getChars(0, 32, out, 3);
    out[35] = '-';
    context.getSpanId().getChars(0, 16, out, 36);
    out[52] = '-';
    out[53] = '0';
    out[54] = Character.forDigit(flags & (SAMPLED | RANDOM), 16);
    return new String(out);
  }

  private static boolean keyChar(char c) {
    return c >= 'a' && c <= 'z'
        || c >= '0' && c <= '9'
        || c == '_'
        || c == '-'
        || c == '*'
        || c == '/'
        || c == '@';
  }

  private static boolean ows(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean lowerHex(String s, int from, int count) {
    for (int k = from; k < from + count; k++) {
      char c = s.charAt(k);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s, int from, int count) {
    for (int k = from; k < from + count; k++) {
      if (s.charAt(k) != '0') {
        return false;
      }
    }
    return true;
  }
}
