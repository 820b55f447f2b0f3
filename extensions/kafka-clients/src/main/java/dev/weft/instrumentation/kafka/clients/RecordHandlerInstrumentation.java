package dev.weft.instrumentation.kafka.clients;

import dev.weft.bootstrap.WeftBridge;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The application's methods that take a record, a {@code ConsumerRecords} or a list of records:
 * each is a processing frame; the outermost one ending by throwing is a processing failure of
 * its record (see {@link RecordHandlers}). One advice per position of the record parameter, so
 * that nothing is allocated per call.
 */
public final class RecordHandlerInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return KafkaLoaders.HAS_KAFKA_CLIENTS;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return new RecordHandlers.TypeMatcher();
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String name = RecordHandlerInstrumentation.class.getName();
    transformer.applyAdviceToMethod(new RecordHandlers.ParameterAt(0, false), name + "$Arg0Advice");
    transformer.applyAdviceToMethod(new RecordHandlers.ParameterAt(1, false), name + "$Arg1Advice");
    transformer.applyAdviceToMethod(new RecordHandlers.ParameterAt(2, false), name + "$Arg2Advice");
    transformer.applyAdviceToMethod(new RecordHandlers.ParameterAt(3, true), name + "$LaterArgAdvice");
  }

  @SuppressWarnings("unused")
  public static final class Arg0Advice {
    private Arg0Advice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      WeftBridge.failures().handlerEntered();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Thrown Throwable thrown, @Advice.Argument(0) Object records) {
      WeftBridge.failures().handlerExited(thrown, records);
    }
  }

  @SuppressWarnings("unused")
  public static final class Arg1Advice {
    private Arg1Advice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      WeftBridge.failures().handlerEntered();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Thrown Throwable thrown, @Advice.Argument(1) Object records) {
      WeftBridge.failures().handlerExited(thrown, records);
    }
  }

  @SuppressWarnings("unused")
  public static final class Arg2Advice {
    private Arg2Advice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      WeftBridge.failures().handlerEntered();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Thrown Throwable thrown, @Advice.Argument(2) Object records) {
      WeftBridge.failures().handlerExited(thrown, records);
    }
  }

  /** A record parameter further on: the arguments are looked at only when the method threw. */
  @SuppressWarnings("unused")
  public static final class LaterArgAdvice {
    private LaterArgAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter() {
      WeftBridge.failures().handlerEntered();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Thrown Throwable thrown, @Advice.AllArguments Object[] arguments) {
      Object records = null;
      if (thrown != null) {
        for (int i = 3; i < arguments.length && records == null; i++) {
          Object a = arguments[i];
          if (a instanceof org.apache.kafka.clients.consumer.ConsumerRecord
              || a instanceof org.apache.kafka.clients.consumer.ConsumerRecords
              || a instanceof Iterable) {
            records = a;
          }
        }
      }
      WeftBridge.failures().handlerExited(thrown, records);
    }
  }
}
