package dev.weft.runtime.install;

import java.io.ByteArrayInputStream;
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
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.commons.ClassRemapper;
import net.bytebuddy.jar.asm.commons.Remapper;

/**
 * Loads a user's extension jar ({@code weft.extensions}). The jar was compiled against the
 * original names of Byte Buddy and the OpenTelemetry extension API; every class is remapped to
 * the relocated names on the way in, so it links against the copies bundled in Weft. The class
 * bytes served as resources (read by Byte Buddy to inline advice) are the remapped ones too.
 */
public final class ExtensionClassLoader extends ClassLoader {

  static {
    registerAsParallelCapable();
  }

  private final File file;
  private final JarFile jar;
  private final String jarUrl;
  private final ProtectionDomain domain;

  public ExtensionClassLoader(File file, ClassLoader weftLoader) throws IOException {
    super("weft-extension:" + file.getName(), weftLoader);
    this.file = file;
    this.jar = new JarFile(file, false);
    this.jarUrl = "jar:" + file.toURI() + "!/";
    this.domain =
        new ProtectionDomain(new CodeSource(file.toURI().toURL(), (Certificate[]) null), null);
  }

  public File file() {
    return file;
  }

  /** Reads a resource of the jar as it is stored, without remapping (service files). */
  public InputStream openRaw(String name) throws IOException {
    JarEntry entry = jar.getJarEntry(name);
    return entry == null ? null : jar.getInputStream(entry);
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] bytes = remappedClass(name.replace('.', '/') + ".class");
    if (bytes == null) {
      throw new ClassNotFoundException(name);
    }
    int dot = name.lastIndexOf('.');
    if (dot > 0 && getDefinedPackage(name.substring(0, dot)) == null) {
      try {
        definePackage(name.substring(0, dot), null, null, null, null, null, null, null);
      } catch (IllegalArgumentException raced) {
        // defined by another thread
      }
    }
    return defineClass(name, bytes, 0, bytes.length, domain);
  }

  private byte[] remappedClass(String entryName) {
    JarEntry entry = jar.getJarEntry(entryName);
    if (entry == null) {
      return null;
    }
    try (InputStream in = jar.getInputStream(entry)) {
      byte[] original = in.readAllBytes();
      if (!Relocation.active()) {
        return original;
      }
      ClassReader reader = new ClassReader(original);
      ClassWriter writer = new ClassWriter(0);
      reader.accept(
          new ClassRemapper(
              writer,
              new Remapper() {
                @Override
                public String map(String internalName) {
                  return Relocation.relocate(internalName);
                }
              }),
          0);
      return writer.toByteArray();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public InputStream getResourceAsStream(String name) {
    if (name.endsWith(".class")) {
      byte[] bytes = remappedClass(name.startsWith("/") ? name.substring(1) : name);
      if (bytes != null) {
        return new ByteArrayInputStream(bytes);
      }
    }
    return super.getResourceAsStream(name);
  }

  @Override
  protected URL findResource(String name) {
    if (jar.getJarEntry(name) == null) {
      return null;
    }
    try {
      return new URL(jarUrl + name);
    } catch (MalformedURLException e) {
      return null;
    }
  }

  @Override
  protected Enumeration<URL> findResources(String name) {
    URL url = findResource(name);
    return Collections.enumeration(url == null ? List.<URL>of() : List.of(url));
  }

}
