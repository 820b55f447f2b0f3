package dev.weft.runtime.install;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * The class files of Weft's own loader (advice classes and the annotation types their methods
 * and parameters carry), each read from the agent jar once and then kept. Byte Buddy resolves a
 * module's advice again for every class it weaves, and a class is woven when it is first loaded,
 * on whatever thread loads it: without the cache every weave reads the jar, and a virtual thread
 * that waits there for another thread's read of the same jar pins its carrier (the VM's call
 * into the class loader is on its stack; JFR showed 12 ms once at start-up). These class files
 * never change while the agent runs.
 */
final class CachingClassFileLocator implements ClassFileLocator {

  private final ClassFileLocator delegate;
  private final ConcurrentHashMap<String, Resolution> found = new ConcurrentHashMap<>();

  CachingClassFileLocator(ClassFileLocator delegate) {
    this.delegate = delegate;
  }

  @Override
  public Resolution locate(String name) throws IOException {
    Resolution known = found.get(name);
    if (known != null) {
      return known;
    }
    Resolution resolution = delegate.locate(name);
    if (!resolution.isResolved()) {
      return resolution; // not Weft's: the woven class's own loader answers for it
    }
    Resolution kept = new Resolution.Explicit(resolution.resolve());
    Resolution raced = found.putIfAbsent(name, kept);
    return raced == null ? kept : raced;
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
