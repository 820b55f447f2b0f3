package dev.weft.smoke.logs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** SLF4J bound to Logback: logback.xml, or logback-async.xml (an AsyncAppender) if async. */
final class Slf4jLogging extends AppLogging {

  private Slf4jLogging() {}

  static AppLogging configure(boolean async) {
    // Read by Logback when the first logger is created; a class path resource name works.
    System.setProperty("logback.configurationFile", async ? "logback-async.xml" : "logback.xml");
    return new Slf4jLogging();
  }

  @Override
  Log logger(String name) {
    Logger logger = LoggerFactory.getLogger(name);
    return new Log() {
      @Override
      public void info(String message) {
        logger.info(message);
      }

      @Override
      public void warn(String message) {
        logger.warn(message);
      }

      @Override
      public void error(String message, Throwable thrown) {
        logger.error(message, thrown);
      }
    };
  }

  @Override
  void putContext(String key, String value) {
    MDC.put(key, value);
  }

  @Override
  void removeContext(String key) {
    MDC.remove(key);
  }
}
