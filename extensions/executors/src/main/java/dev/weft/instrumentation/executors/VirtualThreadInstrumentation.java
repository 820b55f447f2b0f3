package dev.weft.instrumentation.executors;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code java.lang.VirtualThread} (JDK 21 and later). Every way a virtual thread starts ends in
 * its {@code start(ThreadContainer)}: {@code Thread.ofVirtual().start(r)}, {@code unstarted(r)}
 * then {@code start()}, {@code Thread.startVirtualThread}, a virtual thread factory's threads,
 * {@code Executors.newVirtualThreadPerTaskExecutor()} and a structured task scope's
 * {@code fork}. That method notes the starting thread's context (as {@code Thread.start} does for
 * a platform thread), and the private {@code run(Runnable)}, which runs the task on the virtual
 * thread once it is mounted, makes it current around the task. No preview API is woven: a
 * structured task scope starts its subtasks' threads through the same method. The advice is
 * {@link ThreadInstrumentation}'s: {@code TaskContexts.threadStarting} takes virtual threads too.
 *
 * <p>The virtual thread's own scheduling (submitting its continuation to the carrier pool when
 * it starts or is unparked, the timers of timed parks) runs with capture suppressed: those are
 * the JDK's internal tasks, not the application's, and the pool advice would otherwise wrap one
 * for every park and unpark of a virtual thread in a request.
 */
public final class VirtualThreadInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.lang.VirtualThread");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("start")
            .and(takesArguments(1))
            .and(takesArgument(0, named(ThreadInstrumentation.THREAD_CONTAINER))),
        ThreadInstrumentation.class.getName() + "$StartAdvice");
    transformer.applyAdviceToMethod(
        named("run").and(takesArguments(1)).and(takesArgument(0, Runnable.class)),
        ThreadInstrumentation.class.getName() + "$RunAdvice");
    // Names across JDK 21 to 25; a name a JDK does not have matches nothing there.
    transformer.applyAdviceToMethod(
        named("submitRunContinuation")
            .or(named("lazySubmitRunContinuation"))
            .or(named("externalSubmitRunContinuation"))
            .or(named("externalSubmitRunContinuationOrThrow"))
            .or(named("scheduleUnpark"))
            .or(named("schedule")),
        TaskArgumentAdvice.class.getName() + "$SuppressCapture");
  }
}
