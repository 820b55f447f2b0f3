package dev.weft.instrumentation.servlet.javax;

/**
 * Every servlet API name the module matches on, written once for {@code javax.servlet}. The
 * servlet-jakarta module is this module's classes relocated with {@code javax.servlet ->
 * jakarta.servlet}; the relocation rewrites these string constants as well, and the module's name
 * is derived from them, so both modules come from one source.
 */
final class ServletNames {

  static final String HTTP_SERVLET = "javax.servlet.http.HttpServlet";
  static final String SERVLET_REQUEST = "javax.servlet.ServletRequest";
  static final String SERVLET_RESPONSE = "javax.servlet.ServletResponse";

  private ServletNames() {}

  /** {@code servlet-javax}, or {@code servlet-jakarta} once relocated. */
  static String moduleName() {
    return HTTP_SERVLET.startsWith("jakarta.") ? "servlet-jakarta" : "servlet-javax";
  }
}
