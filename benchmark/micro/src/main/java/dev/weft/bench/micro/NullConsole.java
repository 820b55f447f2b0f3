package dev.weft.bench.micro;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Sends the fork's standard output nowhere, so that the log benchmarks measure a console
 * appender (the one {@code weft.logs.format=json} reformats) without measuring a terminal or
 * flooding JMH's output.
 */
final class NullConsole {

  private NullConsole() {}

  static synchronized void install() {
    System.setOut(new PrintStream(OutputStream.nullOutputStream(), false));
  }
}
