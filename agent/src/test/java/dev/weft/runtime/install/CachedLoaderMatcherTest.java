package dev.weft.runtime.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.atomic.AtomicInteger;
import net.bytebuddy.matcher.ElementMatcher;
import org.junit.jupiter.api.Test;

/**
 * A type instrumentation's class loader check runs once per loader, however many classes the
 * loader defines: the check looks the loader's resources up, and Byte Buddy asks it from inside
 * {@code ClassLoader.defineClass} for every class.
 */
class CachedLoaderMatcherTest {

  /** A library check as modules write them, counting how often it looks a resource up. */
  private static final class CountingResourceCheck implements ElementMatcher<ClassLoader> {
    final AtomicInteger lookups = new AtomicInteger();

    @Override
    public boolean matches(ClassLoader loader) {
      lookups.incrementAndGet();
      return loader != null && loader.getResource("org/junit/jupiter/api/Test.class") != null;
    }
  }

  @Test
  void aLoaderIsCheckedOnceHoweverManyClassesItDefines() throws Exception {
    CountingResourceCheck check = new CountingResourceCheck();
    ElementMatcher<ClassLoader> cached = CachedLoaderMatcher.of(check);
    ClassLoader app = getClass().getClassLoader();
    try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
      for (int i = 0; i < 1_000; i++) {
        assertTrue(cached.matches(app));
        assertFalse(cached.matches(empty));
      }
    }
    assertEquals(2, check.lookups.get(), "one lookup per loader, not per class defined");
  }

  @Test
  void theBootstrapLoaderIsAskedEachTime() {
    CountingResourceCheck check = new CountingResourceCheck();
    ElementMatcher<ClassLoader> cached = CachedLoaderMatcher.of(check);
    assertFalse(cached.matches(null));
    assertFalse(cached.matches(null));
    assertEquals(2, check.lookups.get());
  }

  @Test
  void aVerdictIsNotKeptAfterItsLoaderIsGone() throws Exception {
    CachedLoaderMatcher cached = (CachedLoaderMatcher) CachedLoaderMatcher.of(new CountingResourceCheck());
    URLClassLoader loader = new URLClassLoader(new URL[0], null);
    assertFalse(cached.matches(loader));
    assertEquals(1, cached.size());
    loader.close();
    loader = null;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (cached.size() > 0 && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertEquals(0, cached.size(), "the verdict went with its loader");
  }
}
