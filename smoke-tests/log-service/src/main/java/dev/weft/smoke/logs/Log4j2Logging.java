package dev.weft.smoke.logs;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;

/** The Log4j2 API with log4j-core: log4j2.xml, or log4j2-async.xml (an Async appender) if async. */
final class Log4j2Logging extends AppLogging {

  private Log4j2Logging() {}

  static AppLogging configure(boolean async) {
    // Read by log4j-core when its first logger context starts; a class path resource name works.
    System.setProperty("log4j2.configurationFile", async ? "log4j2-async.xml" : "log4j2.xml");
    return new Log4j2Logging();
  }

  @Override
  Log logger(String name) {
    Logger logger = LogManager.getLogger(name);
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
    ThreadContext.put(key, value);
  }

  @Override
  void removeContext(String key) {
    ThreadContext.remove(key);
  }
}
