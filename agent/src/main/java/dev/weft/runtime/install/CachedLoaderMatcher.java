package dev.weft.runtime.install;

import dev.weft.runtime.core.ConcurrentWeakIdentityMap;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * A type instrumentation's class loader matcher (its module's and its own
 * {@code classLoaderOptimization}), asked once per class loader and remembered while the loader
 * lives. Byte Buddy asks it for every class a loader defines, from inside {@code
 * ClassLoader.defineClass}; a library check looks the loader's resources up ({@code
 * getResource(".../HttpServerCodec.class")}), which in a Spring Boot executable jar enters the
 * nested jar's monitors. Asked every time, that was dozens of resource lookups per class defined,
 * and a virtual thread waiting on those monitors under {@code defineClass}'s native frame was
 * pinned with Weft's frames on its stack (JFR's {@code jdk.VirtualThreadPinned}). A loader's
 * libraries do not change once it defines classes, so its first verdict stands. The bootstrap
 * loader ({@code null}) is asked each time: there is no key to keep it under, and checks on it
 * are cheap.
 */
final class CachedLoaderMatcher implements ElementMatcher<ClassLoader> {

  private final ElementMatcher<? super ClassLoader> delegate;
  private final ConcurrentWeakIdentityMap<Boolean> verdicts = new ConcurrentWeakIdentityMap<>();

  private CachedLoaderMatcher(ElementMatcher<? super ClassLoader> delegate) {
    this.delegate = delegate;
  }

  static ElementMatcher<ClassLoader> of(ElementMatcher<? super ClassLoader> delegate) {
    return new CachedLoaderMatcher(delegate);
  }

  @Override
  public boolean matches(ClassLoader loader) {
    if (loader == null) {
      return delegate.matches(null);
    }
    Boolean verdict = verdicts.get(loader);
    if (verdict == null) {
      // Computed outside any lock: two threads may both ask the first time, with one answer.
      verdict = delegate.matches(loader);
      verdicts.put(loader, verdict);
    }
    return verdict;
  }

  /** How many loaders have a verdict kept (for tests). */
  int size() {
    return verdicts.size();
  }
}
