package dev.weft.instrumentation.executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.bootstrap.ContextBridge;
import dev.weft.bootstrap.WeftBridge;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bookkeeping behind the executors module, with a context bridge whose "context" is a plain
 * object held per thread: what is captured where work is handed over, what is current where it
 * runs, and that the application's tasks, results and exceptions pass through unchanged.
 */
class TaskContextsTest {

  /** A context bridge over a thread-local value; attach returns what it replaced. */
  static final class ThreadLocalBridge extends ContextBridge {
    static final ThreadLocal<Object> CURRENT = new ThreadLocal<>();
    static final Object NOTHING = new Object();

    @Override
    public Object current() {
      return CURRENT.get();
    }

    @Override
    public Object attach(Object context) {
      Object previous = CURRENT.get();
      CURRENT.set(context);
      return previous == null ? NOTHING : previous;
    }

    @Override
    public void detach(Object scope) {
      CURRENT.set(scope == NOTHING ? null : scope);
    }
  }

  @BeforeEach
  void installBridge() {
    WeftBridge.install(new ThreadLocalBridge());
  }

  @AfterEach
  void removeBridge() {
    ThreadLocalBridge.CURRENT.remove();
    WeftBridge.install(ContextBridge.NOOP);
  }

  @Test
  void withoutAContextEveryTaskIsLeftAsItIs() {
    Runnable r = () -> {};
    Callable<String> c = () -> "x";
    Executor e = Runnable::run;
    assertSame(r, TaskContexts.wrap(r));
    assertSame(c, TaskContexts.wrap(c));
    assertSame(e, TaskContexts.wrap(e));
    assertNull(TaskContexts.wrap((Runnable) null));
  }

  @Test
  void aWrappedTaskRunsInTheContextOfTheThreadThatHandedItOver() throws Exception {
    ThreadLocalBridge.CURRENT.set("request-1");
    AtomicReference<Object> seen = new AtomicReference<>();
    Runnable wrapped = TaskContexts.wrap(() -> seen.set(ThreadLocalBridge.CURRENT.get()));
    Callable<Object> callable = TaskContexts.wrap(() -> ThreadLocalBridge.CURRENT.get());
    ThreadLocalBridge.CURRENT.remove();

    Thread other = new Thread(wrapped);
    other.start();
    other.join();
    assertEquals("request-1", seen.get());
    assertEquals("request-1", callable.call());
    assertNull(ThreadLocalBridge.CURRENT.get(), "what was current before is restored");
    assertSame(wrapped, TaskContexts.wrap(wrapped), "never wrapped twice");
  }

  @Test
  void theApplicationsExceptionsAndResultsPassThroughUnchanged() {
    ThreadLocalBridge.CURRENT.set("request-2");
    IllegalStateException failure = new IllegalStateException("app");
    Runnable throwing = TaskContexts.wrap((Runnable) () -> { throw failure; });
    Callable<Object> throwingCallable = TaskContexts.wrap(() -> { throw new java.io.IOException("io"); });
    ThreadLocalBridge.CURRENT.set("caller");
    assertSame(failure, assertThrows(IllegalStateException.class, throwing::run));
    assertEquals("io", assertThrows(java.io.IOException.class, throwingCallable::call).getMessage());
    assertEquals("caller", ThreadLocalBridge.CURRENT.get(), "restored after a throw too");
  }

  @Test
  void futuresAreNotWrappedSoPoolsHandBackTheApplicationsOwn() {
    ThreadLocalBridge.CURRENT.set("request-3");
    FutureTask<String> future = new FutureTask<>(() -> "x");
    assertSame(future, TaskContexts.wrapUnlessFuture(future));
    Runnable plain = () -> {};
    assertTrue(TaskContexts.wrapUnlessFuture(plain) instanceof ContextRunnable);
    assertSame(plain, ((ContextRunnable) TaskContexts.wrapUnlessFuture(plain)).task());
  }

  @Test
  void aWrappedTaskReadsAsTheApplicationsInToString() {
    ThreadLocalBridge.CURRENT.set("request-4");
    Runnable named =
        new Runnable() {
          @Override
          public void run() {}

          @Override
          public String toString() {
            return "nightly-report";
          }
        };
    assertEquals("nightly-report", TaskContexts.wrap(named).toString());
  }

  @Test
  void anExecutorWrappedAtStageCreationHandsItsContextToEveryTask() {
    ThreadLocalBridge.CURRENT.set("declared-in");
    Executor direct = Runnable::run;
    Executor wrapped = TaskContexts.wrap(direct);
    ThreadLocalBridge.CURRENT.set("completed-by");
    AtomicReference<Object> seen = new AtomicReference<>();
    wrapped.execute(() -> seen.set(ThreadLocalBridge.CURRENT.get()));
    assertEquals("declared-in", seen.get());
    assertEquals("completed-by", ThreadLocalBridge.CURRENT.get());
    assertSame(wrapped, TaskContexts.wrap(wrapped), "never wrapped twice");
  }

  @Test
  void nothingIsCapturedWhileSuppressed() {
    ThreadLocalBridge.CURRENT.set("request-5");
    Runnable r = () -> {};
    TaskContexts.suppress();
    TaskContexts.suppress();
    try {
      assertSame(r, TaskContexts.wrap(r));
      TaskContexts.unsuppress();
      assertSame(r, TaskContexts.wrap(r), "nested: still suppressed");
    } finally {
      TaskContexts.unsuppress();
    }
    assertTrue(TaskContexts.wrap(r) instanceof ContextRunnable);
    TaskContexts.unsuppress(); // one too many is ignored
    assertTrue(TaskContexts.wrap(r) instanceof ContextRunnable);
  }

  @Test
  void aPlainThreadTakesTheStartersContextIntoItsRunAndForgetsIt() {
    Thread plain = new Thread(() -> {});
    Thread subclass = new Thread() {};
    ThreadLocalBridge.CURRENT.set("request-6");
    TaskContexts.threadStarting(plain);
    TaskContexts.threadStarting(subclass);
    assertEquals(1, TaskContexts.threadsStarting(), "subclasses (pool workers) are left alone");
    ThreadLocalBridge.CURRENT.remove();

    Object scope = TaskContexts.threadRunning(plain);
    assertEquals("request-6", ThreadLocalBridge.CURRENT.get());
    TaskContexts.threadDone(scope);
    assertNull(ThreadLocalBridge.CURRENT.get());
    assertEquals(0, TaskContexts.threadsStarting());
    assertNull(TaskContexts.threadRunning(plain), "a second run carries nothing");

    ThreadLocalBridge.CURRENT.set("request-7");
    TaskContexts.threadStarting(plain);
    TaskContexts.threadNotStarted(plain);
    assertEquals(0, TaskContexts.threadsStarting(), "a failed start leaves nothing behind");
  }

  /**
   * A second {@code start} of a thread that has started but not yet run fails; the context the
   * first one noted stays for the thread's run.
   */
  @Test
  void aSecondStartDoesNotTakeAwayWhatTheFirstNoted() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread started =
        new Thread(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    ThreadLocalBridge.CURRENT.set("request-8");
    assertTrue(TaskContexts.threadStarting(started), "the first start notes its context");
    started.start(); // no Weft advice in this test: the thread's own run does not read it
    try {
      ThreadLocalBridge.CURRENT.set("request-9");
      assertEquals(false, TaskContexts.threadStarting(started), "a started thread notes nothing");
      assertEquals(1, TaskContexts.threadsStarting());
      Object scope = TaskContexts.threadRunning(started);
      assertEquals("request-8", ThreadLocalBridge.CURRENT.get(), "the first start's context");
      TaskContexts.threadDone(scope);
    } finally {
      release.countDown();
      started.join(10_000);
    }
  }
}
