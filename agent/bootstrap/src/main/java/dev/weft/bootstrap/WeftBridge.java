package dev.weft.bootstrap;

/**
 * The static entry points that inlined advice calls. This class lives on the bootstrap class
 * path, so any instrumented class, whatever its class loader, can link against it.
 *
 * <p>Every field starts as a no-op; the agent runtime swaps in the real ones once it has
 * started. Nothing here may throw: implementations guard themselves.
 */
public final class WeftBridge {

  private static volatile AdviceErrorSink adviceErrors = AdviceErrorSink.NOOP;
  private static volatile ContextBridge context = ContextBridge.NOOP;
  private static volatile Operations operations = Operations.NOOP;
  private static volatile RecordFailures failures = RecordFailures.NOOP;
  private static volatile LogRecorder logs = LogRecorder.NOOP;
  private static volatile boolean installed;

  private WeftBridge() {}

  /** The operation pipeline, for the families described by operation kinds. Never null. */
  public static Operations operations() {
    return operations;
  }

  /** What the dead-letter capture is told of record processing. Never null. */
  public static RecordFailures failures() {
    return failures;
  }

  /** The recorder behind logging-framework advice. Never null. */
  public static LogRecorder logs() {
    return logs;
  }

  /** Hands the trace context across threads. Never null. */
  public static ContextBridge context() {
    return context;
  }

  /**
   * Called by the exception handler that Weft attaches to every piece of advice: the advice
   * threw, the throwable was suppressed, and the application goes on untouched.
   */
  public static void adviceFailed(Throwable failure, String module) {
    try {
      adviceErrors.adviceFailed(failure, module);
    } catch (Throwable ignored) {
      // The sink must never make things worse for the application.
    }
  }

  /** Marks the agent as started in this JVM; returns false if it already was (double attach). */
  public static synchronized boolean markInstalled() {
    if (installed) {
      return false;
    }
    installed = true;
    return true;
  }

  public static boolean isInstalled() {
    return installed;
  }

  public static void install(AdviceErrorSink errors) {
    if (errors != null) {
      adviceErrors = errors;
    }
  }

  public static void install(Operations pipeline) {
    if (pipeline != null) {
      operations = pipeline;
    }
  }

  public static void install(RecordFailures capture) {
    if (capture != null) {
      failures = capture;
    }
  }

  public static void install(LogRecorder recorder) {
    if (recorder != null) {
      logs = recorder;
    }
  }

  public static void install(ContextBridge contextBridge) {
    if (contextBridge != null) {
      context = contextBridge;
    }
  }
}
