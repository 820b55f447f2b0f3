package dev.weft.instrumentation.spring.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lowest and the newest supported Spring Kafka, read as class files: every type of the
 * module matches, and every method matcher finds exactly the methods the advice is written for
 * (the fields it reads are part of the type matchers). A Spring Kafka that changed them would be
 * left alone by the module, which would make its dead letters silently wrong; this says so first.
 */
class SpringKafkaVersionsTest {

  @ParameterizedTest
  @ValueSource(strings = {"3.0.0", "4.0.6"})
  void everyInstrumentedTypeAndMethodIsThere(String version) throws IOException {
    File jar = new File("target/spring-kafka-versions/spring-kafka-" + version + ".jar");
    assertTrue(jar.isFile(), jar + " (copied by the build)");
    try (ClassFileLocator.Compound locator =
        new ClassFileLocator.Compound(
            ClassFileLocator.ForJarFile.of(jar), ClassFileLocator.ForClassLoader.ofSystemLoader())) {
      // Lazy: Kafka's and Spring's other types need not be there, their names are enough.
      TypePool pool = new TypePool.Default.WithLazyResolution(
          new TypePool.CacheProvider.Simple(), locator, TypePool.Default.ReaderMode.FAST);
      for (TypeInstrumentation ti : new SpringKafkaInstrumentationModule().typeInstrumentations()) {
        String what = ti.getClass().getSimpleName() + " on Spring Kafka " + version;
        TypeDescription type = pool.describe(targetOf(ti)).resolve();
        assertTrue(ti.typeMatcher().matches(type), what + ": type " + type.getName());
        Map<String, ElementMatcher<? super MethodDescription>> matchers = new LinkedHashMap<>();
        ti.transform(recording(matchers));
        for (Map.Entry<String, ElementMatcher<? super MethodDescription>> m : matchers.entrySet()) {
          long found = type.getDeclaredMethods().stream().filter(m.getValue()::matches).count();
          String advice = m.getKey().substring(m.getKey().indexOf('$') + 1);
          assertEquals(expectedMethods(advice, version), found, what + ": methods for " + advice);
        }
      }
    }
  }

  /** How many methods each advice applies to. */
  private static int expectedMethods(String advice, String version) {
    switch (advice) {
      case "BatchAdvice": // invokeBatchOnMessage and invokeBatchOnMessageWithRecordsOrList
        return 2;
      case "RetryBatchAdvice": // 4.0.6 and 3.3.16 added the overload that the older one calls
        return version.startsWith("3.0") ? 1 : 2;
      default: // invokeOnMessage, the constructor, attemptRecovery
        return 1;
    }
  }

  private static String targetOf(TypeInstrumentation ti) {
    if (ti instanceof FailedRecordTrackerInstrumentation) {
      return "org.springframework.kafka.listener.FailedRecordTracker";
    }
    if (ti instanceof BatchRetryInstrumentation) {
      return "org.springframework.kafka.listener.ErrorHandlingUtils";
    }
    return "org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer";
  }

  private static TypeTransformer recording(Map<String, ElementMatcher<? super MethodDescription>> matchers) {
    return new TypeTransformer() {
      @Override
      public void applyAdviceToMethod(
          ElementMatcher<? super MethodDescription> methodMatcher,
          Function<Advice.WithCustomMapping, Advice.WithCustomMapping> mappingCustomizer,
          String adviceClassName) {
        matchers.put(adviceClassName, methodMatcher);
      }

      @Override
      public void applyTransformer(AgentBuilder.Transformer transformer) {}
    };
  }
}
