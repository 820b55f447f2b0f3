package dev.weft.smoke.logs;

/**
 * The one logging framework a run of the service uses, behind the few calls the service makes.
 * Each implementation names its framework's types only in its own class, so a run's class path
 * needs only the framework under test.
 */
abstract class AppLogging {

  /** A named logger of the framework. */
  interface Log {
    void info(String message);

    void warn(String message);

    void error(String message, Throwable thrown);
  }

  abstract Log logger(String name);

  /**
   * Puts {@code key=value} into the calling thread's mapped diagnostic context (SLF4J's MDC,
   * Log4j2's ThreadContext); java.util.logging has none and ignores it.
   */
  abstract void putContext(String key, String value);

  abstract void removeContext(String key);

  /**
   * Configures {@code framework} ({@code logback}, {@code log4j2} or {@code jul}) from the
   * resources in this jar, the asynchronous variant if {@code async}, before any logger exists.
   */
  static AppLogging configure(String framework, boolean async) {
    switch (framework) {
      case "logback":
        return Slf4jLogging.configure(async);
      case "log4j2":
        return Log4j2Logging.configure(async);
      case "jul":
        if (async) {
          throw new IllegalArgumentException("java.util.logging has no asynchronous handler");
        }
        return JulLogging.configure();
      default:
        throw new IllegalArgumentException(
            "unknown --framework " + framework + " (logback, log4j2 or jul)");
    }
  }
}
