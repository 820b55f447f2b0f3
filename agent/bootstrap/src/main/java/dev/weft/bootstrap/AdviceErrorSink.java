package dev.weft.bootstrap;

/** Receives throwables that advice raised and Weft suppressed. */
public interface AdviceErrorSink {

  AdviceErrorSink NOOP = (failure, module) -> {};

  void adviceFailed(Throwable failure, String module);
}
