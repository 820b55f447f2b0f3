package dev.weft.runtime.install;

import static net.bytebuddy.matcher.ElementMatchers.any;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.none;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.WeftLog;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * The one Byte Buddy installer: for every enabled module, for every type instrumentation, which
 * advice goes where. Classes of Weft itself and of its class loaders are never touched.
 */
public final class Installer {

  private Installer() {}

  /** Applies the modules; returns the names of those applied. */
  public static List<String> install(
      Instrumentation inst,
      List<LoadedModule> modules,
      AgentErrors errors,
      ClassLoader weftLoader,
      boolean attached) {
    // Creating an AgentBuilder makes Byte Buddy probe sun.misc.Unsafe, which JDK 24 and later
    // report with a warning on the application's console. Weft never injects classes, so it
    // switches that off for its own (relocated) copy of Byte Buddy: the property name carries
    // the relocated package and so concerns no other Byte Buddy in the JVM.
    String byteBuddyPackage = ByteBuddy.class.getName().substring(0, ByteBuddy.class.getName().lastIndexOf('.'));
    if (System.getProperty(byteBuddyPackage + ".safe") == null) {
      System.setProperty(byteBuddyPackage + ".safe", "true");
    }
    boolean dumping = ArchiveDump.inProgress(inst);
    if (dumping) {
      WeftLog.info(
          "this run writes a class-data archive (AOT cache or AppCDS): java.lang classes are left"
              + " unwoven in it, so that the JVM can store them; runs that use the archive weave"
              + " as always");
    }
    ElementMatcher<ClassLoader> weftLoaders =
        loader -> loader == weftLoader || loader instanceof ExtensionClassLoader;
    AgentBuilder builder =
        new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
            .disableClassFormatChanges()
            // Classes loaded before Weft was installed are retransformed. After an attach Byte
            // Buddy scans them all; at start-up only a handful are loaded, and only those a
            // module names (java.lang.Thread for the executors module) are handed over, so
            // start-up does not pay for a scan of every loaded class (see below).
            .with(AgentBuilder.PoolStrategy.Default.FAST)
            .with(AgentBuilder.DescriptionStrategy.Default.POOL_FIRST)
            .with(AgentBuilder.TypeStrategy.Default.DECORATE)
            .with(new WeavingListener(errors))
            // Advice inlined into named JDK modules (jdk.httpserver, ...) calls the bridge, which
            // sits in the bootstrap loader's unnamed module: the woven module must read it.
            .assureReadEdgeTo(inst, WeftBridge.class)
            // Everything in Weft's own loaders (runtime, modules, relocated libraries) by loader;
            // Weft's classes on the bootstrap and system paths by name. Not all of dev.weft: an
            // application may live in that namespace too. Only names and loaders are looked at,
            // so the class file of an ignored class is never parsed.
            .ignore(any(), weftLoaders)
            .or(nameStartsWith("dev.weft.agent.").or(nameStartsWith("dev.weft.bootstrap.")))
            .or(dumping ? nameStartsWith("java.lang.") : none());

    List<String> applied = new ArrayList<>();
    List<ElementMatcher<? super TypeDescription>> typeMatchers = new ArrayList<>();
    HelperDefiner definer = new HelperDefiner(inst);
    for (LoadedModule loaded : modules) {
      if (!loaded.enabled()) {
        WeftLog.debug("module " + loaded.name() + " is disabled");
        continue;
      }
      try {
        builder = apply(builder, loaded, typeMatchers, definer, errors);
        errors.declare(loaded.name());
        applied.add(loaded.name());
      } catch (RuntimeException | LinkageError e) {
        WeftLog.error("module '" + loaded.name() + "' is not applied: " + e);
      }
    }
    AgentBuilder.RedefinitionListenable.WithoutBatchStrategy retransforming =
        builder.with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
    builder =
        attached
            ? retransforming
            : retransforming.redefineOnly(
                loadedTargets(inst, typeMatchers, weftLoaders, dumping).toArray(new Class<?>[0]));
    builder.with(NameFilteringTransformer.decorator(typeMatchers, weftLoaders)).installOn(inst);
    return applied;
  }

  /**
   * The classes already loaded at start-up that some module may want, judged by name the way
   * {@link NameFilteringTransformer} judges classes being loaded. At premain these are a few JDK
   * classes (the JVM and the agent's own start-up load about a thousand, and modules name almost
   * none of them).
   */
  private static Set<Class<?>> loadedTargets(
      Instrumentation inst,
      List<ElementMatcher<? super TypeDescription>> typeMatchers,
      ElementMatcher<ClassLoader> weftLoaders,
      boolean dumping) {
    Set<Class<?>> targets = new LinkedHashSet<>();
    for (Class<?> loaded : inst.getAllLoadedClasses()) {
      if (!loaded.isArray()
          && !(dumping && loaded.getName().startsWith("java.lang."))
          && !loaded.isPrimitive()
          && inst.isModifiableClass(loaded)
          && NameFilteringTransformer.wantedByName(
              typeMatchers,
              weftLoaders,
              loaded.getClassLoader(),
              loaded.getName().replace('.', '/'),
              null)) {
        targets.add(loaded);
      }
    }
    return targets;
  }

  private static AgentBuilder apply(
      AgentBuilder builder,
      LoadedModule loaded,
      List<ElementMatcher<? super TypeDescription>> typeMatchers,
      HelperDefiner definer,
      AgentErrors errors) {
    ElementMatcher.Junction<ClassLoader> moduleLoaders = loaded.module().classLoaderMatcher();
    AgentBuilder result = builder;
    List<TypeInstrumentation> instrumentations = loaded.module().typeInstrumentations();
    // The advice itself is read the first time a class of the module is seen (ModulePreparation).
    ModulePreparation preparation =
        new ModulePreparation(loaded, instrumentations, definer, errors);
    for (int i = 0; i < instrumentations.size(); i++) {
      TypeInstrumentation ti = instrumentations.get(i);
      typeMatchers.add(ti.typeMatcher());
      // Asked for every class defined: its verdict kept per loader (see CachedLoaderMatcher).
      ElementMatcher<ClassLoader> loaders =
          CachedLoaderMatcher.of(moduleLoaders.and(ti.classLoaderOptimization()));
      ElementMatcher<? super TypeDescription> types = ti.typeMatcher();
      int index = i;
      // The check of the methods the advice calls runs only for a class the module targets, so
      // that a loader holding none of the module's classes is never reported as lacking them.
      result =
          result
              .type(
                  (type, loader, module, beingRedefined, domain) ->
                      loaders.matches(loader)
                          && types.matches(type)
                          && preparation.references(index, loader))
              .transform(preparation.transformer(index));
    }
    return result;
  }

  /** Opens the JDK's define methods the first time a module with helpers needs them. */
  static final class HelperDefiner {
    private final Instrumentation inst;
    private HelperClasses.Definer definer;

    HelperDefiner(Instrumentation inst) {
      this.inst = inst;
    }

    HelperClasses.Definer get() throws ReflectiveOperationException {
      if (definer == null) {
        definer = HelperClasses.Definer.open(inst);
      }
      return definer;
    }
  }

  /** Counts weaving failures; logs transformations when weft.debug is on. */
  private static final class WeavingListener extends AgentBuilder.Listener.Adapter {
    private final AgentErrors errors;

    WeavingListener(AgentErrors errors) {
      this.errors = errors;
    }

    @Override
    public void onTransformation(
        TypeDescription type,
        ClassLoader loader,
        JavaModule module,
        boolean loaded,
        DynamicType dynamicType) {
      WeftLog.debug("woven: " + type.getName() + " (" + (loader == null ? "bootstrap" : loader) + ")");
    }

    @Override
    public void onError(
        String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
      errors.internalFailure("weaving", "weaving " + typeName, error);
    }
  }
}
