package dev.weft.runtime.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;

/** The span of one server request and the scope that makes it current on the serving thread. */
public final class ServerSpan extends RecordedSpan {

  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private final String method;
  private volatile Scope scope;

  ServerSpan(Span span, Scope scope, String method) {
    super(span);
    this.scope = scope;
    this.method = method;
  }

  /** The request continues on another thread: this one lets go of its context. */
  public void leaveThread() {
    Scope s = scope;
    scope = null;
    if (s != null) {
      s.close();
    }
  }

  public void end(int status, Throwable error, String route) {
    leaveThread();
    if (!span.isRecording()) {
      return;
    }
    if (status >= 100) {
      span.setAttribute(STATUS, (long) status);
    }
    if (route != null) {
      span.setAttribute(ROUTE, route);
      span.updateName(method + " " + route);
    }
    if (error != null) {
      span.recordException(error);
      span.setAttribute(ERROR_TYPE, error.getClass().getName());
      span.setStatus(StatusCode.ERROR);
    } else if (status >= 500) {
      span.setAttribute(ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

}
