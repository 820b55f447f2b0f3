package dev.weft.agent;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Weft's own class loader: it serves the runtime, the relocated libraries and the bundled
 * modules from {@code weft/inst/} inside the agent jar, where classes are stored as
 * {@code .classdata} so that the system class loader (which also sees the agent jar) cannot find
 * them. Its parent is the platform class loader: the JDK's own modules (including
 * {@code jdk.httpserver}) and the bootstrap bridge are visible, the application is not.
 */
public final class WeftClassLoader extends ClassLoader {

  static {
    registerAsParallelCapable();
  }

  private static final String PREFIX = "weft/inst/";
  private static final String BRIDGE_PACKAGE = "dev.weft.bootstrap.";

  private final JarFile jar;
  private final String jarUrl;
  private final ProtectionDomain domain;

  public WeftClassLoader(File agentJar) throws IOException {
    super("weft", ClassLoader.getPlatformClassLoader());
    this.jar = new JarFile(agentJar, false);
    this.jarUrl = "jar:" + agentJar.toURI() + "!/";
    this.domain =
        new ProtectionDomain(new CodeSource(agentJar.toURI().toURL(), (Certificate[]) null), null);
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    String path = name.replace('.', '/');
    JarEntry entry = jar.getJarEntry(PREFIX + path + ".classdata");
    if (entry == null && name.startsWith(BRIDGE_PACKAGE)) {
      // Only reached when the jar is not on the bootstrap path (java -jar weft-agent.jar).
      entry = jar.getJarEntry(path + ".class");
    }
    if (entry == null) {
      throw new ClassNotFoundException(name);
    }
    byte[] bytes;
    try (InputStream in = jar.getInputStream(entry)) {
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
    definePackageFor(name);
    return defineClass(name, bytes, 0, bytes.length, domain);
  }

  private void definePackageFor(String className) {
    int dot = className.lastIndexOf('.');
    if (dot <= 0) {
      return;
    }
    String pkg = className.substring(0, dot);
    if (getDefinedPackage(pkg) == null) {
      try {
        definePackage(pkg, null, null, null, null, null, null, null);
      } catch (IllegalArgumentException raced) {
        // Another thread defined it first.
      }
    }
  }

  @Override
  protected URL findResource(String name) {
    String entryName = entryName(name);
    if (entryName == null || jar.getJarEntry(entryName) == null) {
      return null;
    }
    try {
      return new URL(jarUrl + entryName);
    } catch (MalformedURLException e) {
      return null;
    }
  }

  @Override
  protected Enumeration<URL> findResources(String name) {
    URL url = findResource(name);
    return Collections.enumeration(url == null ? List.<URL>of() : List.of(url));
  }

  private static String entryName(String name) {
    if (name.startsWith("/")) {
      name = name.substring(1);
    }
    if (name.endsWith(".class")) {
      return PREFIX + name.substring(0, name.length() - ".class".length()) + ".classdata";
    }
    return PREFIX + name;
  }


  @Override
  public String toString() {
    return "WeftClassLoader[" + jarUrl + "]";
  }
}
