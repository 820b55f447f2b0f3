package dev.weft.instrumentation.servlet.javax;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The route templates of one servlet context: which mapping pattern served a request, from the
 * request's servlet path and path info alone (Servlet 3.0 API, so the same on every container and
 * both namespaces). The result is always a registered mapping pattern prefixed with the context
 * path, or the fixed {@link #fallback} for everything the default servlet serves or nothing
 * matched: never the raw path.
 *
 * <p>Built once per context from its servlet registrations (the spec forbids adding servlets once
 * the context is initialised) and kept weakly, so an undeployed web application is not held.
 * Lookups allocate nothing. A helper class of the module,
 * defined next to the servlet API.
 */
public final class ServletRoutes {

  private static final int MAX_CONTEXTS = 256;
  private static final int MAX_JOINED = 2048;
  private static volatile Entry[] contexts = new Entry[0];

  private final String contextPath;
  private final Map<String, String> prefixes = new HashMap<>(); // servlet path -> "/api/*"
  private final Map<String, String> exact = new HashMap<>(); // servlet path -> "/hello"
  private final String[] extensions; // ".jsp"
  private final String[] extensionEndpoints; // "*.jsp"
  private final String fallback;
  /** Spring MVC patterns below a prefix mapping or a context path: prefix -> pattern -> joined. */
  private final Map<String, Map<String, String>> joined = new ConcurrentHashMap<>();
  private final AtomicInteger joinedCount = new AtomicInteger();

  private ServletRoutes(String contextPath, Collection<String> mappings) {
    this.contextPath = contextPath == null || contextPath.equals("/") ? "" : contextPath;
    String root = this.contextPath;
    List<String> exts = new ArrayList<>();
    List<String> extEndpoints = new ArrayList<>();
    List<String> prefixMappings = new ArrayList<>();
    for (String mapping : mappings) {
      if (mapping == null) {
        continue;
      }
      if (mapping.isEmpty()) {
        exact.put("", root + "/"); // the context root
      } else if (mapping.equals("/")) {
        continue; // the default servlet: the fallback
      } else if (mapping.startsWith("*.")) {
        exts.add(mapping.substring(1));
        extEndpoints.add(root.isEmpty() ? mapping : root + "/" + mapping);
      } else if (mapping.endsWith("/*")) {
        prefixMappings.add(mapping);
      } else {
        exact.put(mapping, root + mapping);
      }
    }
    for (String mapping : prefixMappings) {
      String servletPath = mapping.substring(0, mapping.length() - 2);
      String endpoint = root + mapping;
      prefixes.put(servletPath, endpoint);
      // "/api" itself is served by "/api/*" (servlet path "/api", no path info).
      exact.putIfAbsent(servletPath, endpoint);
    }
    this.extensions = exts.toArray(new String[0]);
    this.extensionEndpoints = extEndpoints.toArray(new String[0]);
    this.fallback = root + "/";
  }

  /** The routes of a context already seen, or null. */
  public static ServletRoutes of(Object servletContext) {
    for (Entry entry : contexts) {
      if (entry.context.get() == servletContext) {
        return entry.routes;
      }
    }
    return null;
  }

  /**
   * Builds the routes of a context from every mapping of its servlet registrations and keeps
   * them for the next requests.
   */
  public static synchronized ServletRoutes register(
      Object servletContext, String contextPath, Collection<String> mappings) {
    ServletRoutes known = of(servletContext);
    if (known != null) {
      return known;
    }
    ServletRoutes routes = new ServletRoutes(contextPath, mappings);
    List<Entry> live = new ArrayList<>();
    for (Entry entry : contexts) {
      if (entry.context.get() != null) {
        live.add(entry);
      }
    }
    if (live.size() < MAX_CONTEXTS) {
      live.add(new Entry(servletContext, routes));
    }
    contexts = live.toArray(new Entry[0]);
    return routes;
  }

  /** The endpoint label of a request: the mapping that served it, or {@link #fallback}. */
  public String endpoint(String servletPath, String pathInfo) {
    String path = servletPath == null ? "" : servletPath;
    if (pathInfo != null) {
      String prefix = prefixes.get(path);
      if (prefix != null) {
        return prefix;
      }
    }
    String match = exact.get(path);
    if (match != null) {
      return match;
    }
    int dot = path.lastIndexOf('.');
    if (dot > path.lastIndexOf('/')) {
      int length = path.length() - dot;
      for (int i = 0; i < extensions.length; i++) {
        if (extensions[i].length() == length && path.regionMatches(dot, extensions[i], 0, length)) {
          return extensionEndpoints[i];
        }
      }
    }
    return fallback;
  }

  /** The fixed endpoint of requests no mapping template describes: the context path and "/". */
  public String fallback() {
    return fallback;
  }

  /**
   * Spring MVC's matched pattern as a full route: patterns are relative to the context path and,
   * under a prefix mapping ({@code /api/*}), to the servlet path too.
   */
  public String route(String pattern, String servletPath, String pathInfo) {
    boolean underPrefix = pathInfo != null && servletPath != null && !servletPath.isEmpty();
    if (!underPrefix && contextPath.isEmpty()) {
      return pattern;
    }
    String prefix = underPrefix ? servletPath : "";
    if (underPrefix && !prefixes.containsKey(servletPath)) {
      return pattern; // not a prefix mapping of this context: keep what Spring matched
    }
    Map<String, String> byPattern = joined.get(prefix);
    if (byPattern == null) {
      byPattern = joined.computeIfAbsent(prefix, p -> new ConcurrentHashMap<>());
    }
    String route = byPattern.get(pattern);
    if (route == null) {
      route = contextPath + prefix + pattern;
      if (joinedCount.incrementAndGet() <= MAX_JOINED) {
        byPattern.put(pattern, route);
      }
    }
    return route;
  }

  private static final class Entry {
    final WeakReference<Object> context;
    final ServletRoutes routes;

    Entry(Object context, ServletRoutes routes) {
      this.context = new WeakReference<>(context);
      this.routes = routes;
    }
  }
}
