package dev.weft.bootstrap;

import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;

/**
 * The field values a request carries under one header name, as the one value HTTP says they
 * stand for: joined by commas in the order received (RFC 9110, section 5.3). Server modules pass
 * {@code traceparent}, {@code tracestate} and {@code baggage} this way, so that two
 * {@code tracestate} fields are one list and two {@code traceparent} fields are one invalid value
 * (a new trace), as W3C Trace Context requires. The usual single field is returned as it is.
 */
public final class HeaderFields {

  private HeaderFields() {}

  /** The values joined, or null when there are none (or no enumeration). */
  public static String join(Enumeration<String> values) {
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String first = values.nextElement();
    if (!values.hasMoreElements()) {
      return first;
    }
    List<String> all = Collections.list(values);
    all.add(0, first);
    return join(all);
  }

  /** The values joined, or null when there are none (or no iterable). */
  public static String join(Iterable<String> values) {
    if (values == null) {
      return null;
    }
    Iterator<String> it = values.iterator();
    if (!it.hasNext()) {
      return null;
    }
    String first = it.next();
    if (!it.hasNext()) {
      return first;
    }
    StringBuilder joined = new StringBuilder(first == null ? "" : first);
    while (it.hasNext()) {
      String next = it.next();
      joined.append(',').append(next == null ? "" : next);
    }
    return joined.toString();
  }
}
