package dev.weft.runtime.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.dynamic.ClassFileLocator;
import org.junit.jupiter.api.Test;

class CachingClassFileLocatorTest {

  /** Answers for one name only, and counts every question. */
  static final class CountingLocator implements ClassFileLocator {
    final List<String> asked = new ArrayList<>();

    @Override
    public Resolution locate(String name) {
      asked.add(name);
      return name.equals("a.Advice")
          ? new Resolution.Explicit(new byte[] {1, 2, 3})
          : new Resolution.Illegal(name);
    }

    @Override
    public void close() {}
  }

  @Test
  void aClassFileIsReadOnceAndAMissingOneIsAskedForEachTime() throws Exception {
    CountingLocator jar = new CountingLocator();
    CachingClassFileLocator cached = new CachingClassFileLocator(jar);
    for (int i = 0; i < 3; i++) {
      ClassFileLocator.Resolution found = cached.locate("a.Advice");
      assertTrue(found.isResolved());
      assertArrayEquals(new byte[] {1, 2, 3}, found.resolve());
      assertFalse(cached.locate("library.Type").isResolved(), "not Weft's: never kept");
    }
    assertEquals(
        List.of("a.Advice", "library.Type", "library.Type", "library.Type"), jar.asked);
  }
}
