package dev.weft.instrumentation.servlet.javax;

import net.bytebuddy.matcher.ElementMatcher;

/**
 * Class loaders that see this module's servlet namespace. Tomcat's and Jetty's dispatch classes
 * have the same names in their javax and jakarta generations; without this check, the other
 * namespace's module would find its servlet API missing there and log that it is not applied.
 * Only asked for classes whose name a type matcher accepted, so no caching is needed.
 */
final class ServletApiPresent extends ElementMatcher.Junction.AbstractBase<ClassLoader> {

  private static final String RESOURCE = ServletNames.HTTP_SERVLET.replace('.', '/') + ".class";

  @Override
  public boolean matches(ClassLoader loader) {
    return loader != null && loader.getResource(RESOURCE) != null;
  }
}
