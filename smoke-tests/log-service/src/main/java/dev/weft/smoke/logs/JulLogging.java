package dev.weft.smoke.logs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * java.util.logging: the root logger at INFO with one ConsoleHandler (stderr) and a
 * SimpleFormatter whose format uses the three arguments Weft adds (%7$s trace id, %8$s span id,
 * %9$s trace flags).
 *
 * <p>Without Weft the JDK tries such a format with its six arguments when the SimpleFormatter is
 * made, fails, and silently uses its default two-line format instead: the lines then do not match
 * the pattern at all.
 */
final class JulLogging extends AppLogging {

  static final String FORMAT =
      "%1$tH:%1$tM:%1$tS.%1$tL %4$s [%3$s] trace_id=%7$s span_id=%8$s trace_flags=%9$s - %5$s%6$s%n";

  /** JUL holds loggers weakly: the service keeps every logger it made. */
  private final List<Logger> loggers = new CopyOnWriteArrayList<>();

  private JulLogging() {}

  static AppLogging configure() {
    // A SimpleFormatter reads its format when it is made; the handler is made here, after this.
    System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
    Logger root = Logger.getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setFormatter(new SimpleFormatter());
    console.setLevel(Level.INFO);
    root.addHandler(console);
    root.setLevel(Level.INFO);
    return new JulLogging();
  }

  @Override
  Log logger(String name) {
    Logger logger = Logger.getLogger(name);
    loggers.add(logger);
    return new Log() {
      @Override
      public void info(String message) {
        logger.info(message);
      }

      @Override
      public void warn(String message) {
        logger.warning(message);
      }

      @Override
      public void error(String message, Throwable thrown) {
        logger.log(Level.SEVERE, message, thrown);
      }
    };
  }

  @Override
  void putContext(String key, String value) {}

  @Override
  void removeContext(String key) {}
}
