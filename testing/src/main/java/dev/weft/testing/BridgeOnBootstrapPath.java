package dev.weft.testing;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * Puts Weft's bridge ({@code dev.weft.bootstrap}) on the bootstrap class path of the test JVM, as
 * the agent does at start-up: advice inlined into JDK classes (the JDK HTTP server) and into
 * libraries of any class loader calls it there. The test class path also holds the bridge; the
 * class loaders ask their parents first, so once the bootstrap has it, theirs is never used.
 *
 * <p>This class names no Weft class, so that loading it loads none of them.
 */
final class BridgeOnBootstrapPath {

  private static final String BRIDGE = "dev.weft.bootstrap.WeftBridge";

  private BridgeOnBootstrapPath() {}

  static void append(Instrumentation inst) throws IOException {
    String resource = BRIDGE.replace('.', '/') + ".class";
    URL url = ClassLoader.getSystemResource(resource);
    if (url == null) {
      throw new IllegalStateException(
          resource + " is not on the test class path (weft-agent-bootstrap is missing)");
    }
    for (Class<?> loaded : inst.getAllLoadedClasses()) {
      if (loaded.getName().equals(BRIDGE) && loaded.getClassLoader() != null) {
        throw new IllegalStateException(
            BRIDGE + " was loaded from the class path before Weft was installed; the test must not"
                + " touch the bridge before the Weft extension runs");
      }
    }
    inst.appendToBootstrapClassLoaderSearch(new JarFile(bridgeJar(url, resource)));
    try {
      if (Class.forName(BRIDGE, false, ClassLoader.getSystemClassLoader()).getClassLoader() != null) {
        throw new IllegalStateException(BRIDGE + " is not loaded from the bootstrap class path");
      }
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bridge's jar; in a build that has not packaged it yet, a jar made of its classes. */
  private static File bridgeJar(URL url, String resource) throws IOException {
    String spec = url.toString();
    try {
      if (spec.startsWith("jar:file:")) {
        return new File(new URL(spec.substring(4, spec.indexOf("!/"))).toURI());
      }
      Path classFile = Paths.get(url.toURI());
      Path root = classFile;
      for (int i = 0; i < resource.split("/").length; i++) {
        root = root.getParent();
      }
      return jarOf(root);
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the bridge at " + spec, e);
    }
  }

  private static File jarOf(Path classes) throws IOException {
    File jar = File.createTempFile("weft-bridge", ".jar");
    jar.deleteOnExit();
    Path bridge = classes.resolve("dev/weft/bootstrap");
    try (JarOutputStream out = new JarOutputStream(new FileOutputStream(jar));
        Stream<Path> files = Files.walk(bridge)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
        out.write(Files.readAllBytes(file));
        out.closeEntry();
      }
    }
    return jar;
  }
}
