package dev.weft.runtime.install;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** An instrumentation module found by Weft, with where it came from and what it supports. */
public final class LoadedModule {

  private final InstrumentationModule module;
  private final ClassLoader loader;
  private final String origin;
  private final boolean enabled;
  private final String library;
  private final String versions;

  LoadedModule(InstrumentationModule module, ClassLoader loader, String origin, boolean enabled) {
    this.module = module;
    this.loader = loader;
    this.origin = origin;
    this.enabled = enabled;
    Properties described = describe(module, loader);
    this.library = described.getProperty("library", "(not described)");
    this.versions = described.getProperty("versions", "(not described)");
  }

  public InstrumentationModule module() {
    return module;
  }

  public String name() {
    return module.instrumentationName();
  }

  public ClassLoader loader() {
    return loader;
  }

  public String origin() {
    return origin;
  }

  public boolean enabled() {
    return enabled;
  }

  public String library() {
    return library;
  }

  public String versions() {
    return versions;
  }

  /**
   * A module may describe itself in META-INF/weft-modules/&lt;name&gt;.properties (library,
   * versions); the extension API has no place for it.
   */
  private static Properties describe(InstrumentationModule module, ClassLoader loader) {
    Properties p = new Properties();
    String resource = "META-INF/weft-modules/" + module.instrumentationName() + ".properties";
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException | RuntimeException ignored) {
      // an undescribed module is still a module
    }
    return p;
  }
}
