package dev.weft.runtime.install;

import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.constant.TextConstant;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Collects what one module's {@code TypeInstrumentation} asks for and turns it into Byte Buddy
 * transformers. Every piece of advice gets Weft's exception handler: a throwable that escapes the
 * advice body is handed to {@link WeftBridge#adviceFailed} with the module's name (counted and
 * logged once), and the instrumented method runs on as if there were no advice.
 *
 * <p>Advice that does not declare {@code suppress = Throwable.class} could throw into the
 * application, so it is refused: the whole module is not applied and one line says why.
 */
final class ModuleTypeTransformer implements TypeTransformer {

  private final String moduleName;
  private final ClassLoader adviceLoader;
  private final Advice.ExceptionHandler exceptionHandler;
  private final List<AgentBuilder.Transformer> transformers = new ArrayList<>();
  private final List<String> adviceClassNames = new ArrayList<>();
  private final TypePool advicePool;
  private final ClassFileLocator adviceClassFiles;
  private final Set<String> helperClassNames;

  ModuleTypeTransformer(String moduleName, ClassLoader adviceLoader, Set<String> helperClassNames) {
    this.moduleName = moduleName;
    this.helperClassNames = helperClassNames;
    this.adviceLoader = adviceLoader;
    this.exceptionHandler = exceptionHandlerFor(moduleName);
    this.adviceClassFiles =
        new CachingClassFileLocator(ClassFileLocator.ForClassLoader.of(adviceLoader));
    this.advicePool = TypePool.Default.of(adviceClassFiles);
  }

  static Advice.ExceptionHandler exceptionHandlerFor(String moduleName) {
    try {
      MethodDescription report =
          new MethodDescription.ForLoadedMethod(
              WeftBridge.class.getMethod("adviceFailed", Throwable.class, String.class));
      // On the stack: the throwable. Push the module's name and call the bridge, which consumes both.
      return new Advice.ExceptionHandler.Simple(
          new StackManipulation.Compound(
              new TextConstant(moduleName), MethodInvocation.invoke(report)));
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("the bootstrap bridge lacks adviceFailed", e);
    }
  }

  @Override
  public void applyAdviceToMethod(
      ElementMatcher<? super MethodDescription> methodMatcher,
      Function<Advice.WithCustomMapping, Advice.WithCustomMapping> mappingCustomizer,
      String adviceClassName) {
    requireSuppressingAdvice(adviceClassName);
    adviceClassNames.add(adviceClassName);
    transformers.add(
        new AgentBuilder.Transformer.ForAdvice(mappingCustomizer.apply(Advice.withCustomMapping()))
            .include(adviceClassFiles)
            .withExceptionHandler(exceptionHandler)
            .advice(methodMatcher, adviceClassName));
  }

  @Override
  public void applyTransformer(AgentBuilder.Transformer transformer) {
    transformers.add(transformer);
  }

  List<AgentBuilder.Transformer> transformers() {
    return transformers;
  }

  /** The library methods the advice calls, to be checked in each class loader before weaving. */
  AdviceReferences references() {
    return AdviceReferences.of(moduleName, adviceLoader, adviceClassNames, helperClassNames);
  }

  private void requireSuppressingAdvice(String adviceClassName) {
    TypeDescription advice = advicePool.describe(adviceClassName).resolve();
    for (MethodDescription.InDefinedShape method : advice.getDeclaredMethods()) {
      // Read the parameters' annotation types now, at installation, into the cache that every
      // weave of this advice reads them from.
      for (ParameterDescription parameter : method.getParameters()) {
        for (AnnotationDescription annotation : parameter.getDeclaredAnnotations()) {
          annotation.getAnnotationType();
        }
      }
      for (AnnotationDescription annotation : method.getDeclaredAnnotations()) {
        TypeDescription type = annotation.getAnnotationType();
        if (type.represents(Advice.OnMethodEnter.class)
            || type.represents(Advice.OnMethodExit.class)) {
          TypeDescription suppress =
              annotation.getValue("suppress").resolve(TypeDescription.class);
          if (!suppress.represents(Throwable.class)) {
            throw new UnsafeAdviceException(
                "module '"
                    + moduleName
                    + "' is not applied: "
                    + adviceClassName
                    + "."
                    + method.getName()
                    + " does not declare suppress = Throwable.class, so a failure in it would"
                    + " reach the application");
          }
        }
      }
    }
  }

  /** Advice Weft refuses to weave. */
  static final class UnsafeAdviceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsafeAdviceException(String message) {
      super(message);
    }
  }
}
