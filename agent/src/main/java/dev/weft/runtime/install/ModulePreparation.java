package dev.weft.runtime.install;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.WeftLog;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.DynamicType;

/**
 * What one module weaves, prepared the first time a class it targets is seen rather than at
 * start-up. Preparing reads every advice and helper class of the module (Byte Buddy parses their
 * bytecode, the helpers' bytes are read, the library methods the advice calls are listed): a few
 * to fifty milliseconds per module, paid before {@code main} for all 25 bundled modules when done
 * eagerly, while a service uses a handful of them. Here a module no class of the application ever
 * matches costs only its type matchers.
 *
 * <p>The module is still prepared whole: the first class matched by any of its type
 * instrumentations prepares all of them, and advice Weft refuses (see {@link
 * ModuleTypeTransformer}) leaves the whole module out, with one line in the log.
 */
final class ModulePreparation {

  private final LoadedModule loaded;
  private final List<TypeInstrumentation> instrumentations;
  private final Installer.HelperDefiner definer;
  private final AgentErrors errors;
  private volatile Prepared prepared;
  private volatile boolean failed;
  private Thread preparing;

  ModulePreparation(
      LoadedModule loaded,
      List<TypeInstrumentation> instrumentations,
      Installer.HelperDefiner definer,
      AgentErrors errors) {
    this.loaded = loaded;
    this.instrumentations = instrumentations;
    this.definer = definer;
    this.errors = errors;
  }

  /** Whether type instrumentation {@code index} may weave into classes of {@code loader}. */
  boolean references(int index, ClassLoader loader) {
    Prepared p = prepared();
    return p != null && !p.transformers.get(index).isEmpty() && p.references.get(index).matches(loader);
  }

  /** The transformer of type instrumentation {@code index}: its chain, in order. */
  AgentBuilder.Transformer transformer(int index) {
    return (builder, type, loader, module, domain) -> {
      Prepared p = prepared;
      if (p == null) {
        return builder;
      }
      DynamicType.Builder<?> result = builder;
      for (AgentBuilder.Transformer t : p.transformers.get(index)) {
        result = t.transform(result, type, loader, module, domain);
      }
      return result;
    };
  }

  private Prepared prepared() {
    Prepared p = prepared;
    if (p != null || failed) {
      return p;
    }
    synchronized (this) {
      if (prepared != null || failed || preparing == Thread.currentThread()) {
        // Re-entered from a class loaded while this very module is being prepared: not yet.
        return prepared;
      }
      preparing = Thread.currentThread();
      try {
        prepared = prepare();
      } catch (ModuleTypeTransformer.UnsafeAdviceException e) {
        failed = true;
        WeftLog.error(e.getMessage());
      } catch (RuntimeException | LinkageError | ReflectiveOperationException e) {
        failed = true;
        errors.internalFailure(
            loaded.name(), "preparing module '" + loaded.name() + "', which is now off", e);
      } finally {
        preparing = null;
      }
      return prepared;
    }
  }

  private Prepared prepare() throws ReflectiveOperationException {
    long started = System.nanoTime();
    HelperClasses helpers =
        HelperClasses.of(
            loaded.name(), loaded.loader(), loaded.module().getAdditionalHelperClassNames());
    List<ModuleTypeTransformer> collected = new ArrayList<>();
    for (TypeInstrumentation ti : instrumentations) {
      ModuleTypeTransformer transformer =
          new ModuleTypeTransformer(loaded.name(), loaded.loader(), helpers.names());
      ti.transform(transformer);
      collected.add(transformer);
    }
    if (!helpers.isEmpty()) {
      if (helpers.jdkOnly()) {
        helpers.defineInBootLoader(definer.get());
      } else {
        HelperClasses.Definer opened = definer.get();
        // First in every chain: the helpers are in the loader before the advice that names them.
        for (ModuleTypeTransformer transformer : collected) {
          if (!transformer.transformers().isEmpty()) {
            transformer.transformers().add(0, (b, type, loader, module, domain) -> {
              helpers.defineNextTo(loader, opened);
              return b;
            });
          }
        }
      }
    }
    List<List<AgentBuilder.Transformer>> transformers = new ArrayList<>();
    List<AdviceReferences> references = new ArrayList<>();
    for (ModuleTypeTransformer transformer : collected) {
      transformers.add(List.copyOf(transformer.transformers()));
      references.add(transformer.references());
    }
    WeftLog.debug(
        "module "
            + loaded.name()
            + " prepared in "
            + (System.nanoTime() - started) / 1_000_000
            + " ms");
    return new Prepared(transformers, references);
  }

  private static final class Prepared {
    final List<List<AgentBuilder.Transformer>> transformers;
    final List<AdviceReferences> references;

    Prepared(List<List<AgentBuilder.Transformer>> transformers, List<AdviceReferences> references) {
      this.transformers = transformers;
      this.references = references;
    }
  }
}
