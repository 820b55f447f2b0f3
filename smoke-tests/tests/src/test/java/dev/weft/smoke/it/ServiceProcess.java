package dev.weft.smoke.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.opentest4j.AssertionFailedError;

/**
 * A child JVM under test. Its stdout and stderr go to files under {@code target/smoke-logs/} (kept
 * after the run for diagnosis); {@link #close} always ends it, forcibly after a grace period.
 */
public final class ServiceProcess implements AutoCloseable {

  private static final Duration GRACE = Duration.ofSeconds(5);
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    // Belt and braces: a test JVM that dies must not leave services running.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "smoke-process-reaper"));
  }

  private final String name;
  private final List<String> command;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private ServiceProcess(String name, List<String> command, Process process, Path stdout,
      Path stderr) {
    this.name = name;
    this.command = command;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path stdoutFile() {
    return stdout;
  }

  public Path stderrFile() {
    return stderr;
  }

  /** The lines of stdout; while the process runs, only those ended by a newline. */
  public List<String> stdoutLines() {
    return readLines(stdout, process.isAlive());
  }

  /** The lines of stderr; while the process runs, only those ended by a newline. */
  public List<String> stderrLines() {
    return readLines(stderr, process.isAlive());
  }

  /** stderr lines written by Weft (they all start with {@code "[weft] "}). */
  public List<String> weftLines() {
    return stderrLines().stream().filter(l -> l.startsWith("[weft] ")).collect(Collectors.toList());
  }

  /** Waits until stdout has a line equal to {@code line}. Fails at once if the process exits. */
  public void awaitStdoutLine(String line, Duration timeout) {
    Poll.until(
        Poll.deadline(timeout),
        () -> {
          if (stdoutLines().contains(line)) {
            return true;
          }
          requireAlive("printing '" + line + "'");
          return false;
        },
        name + " did not print '" + line + "' within " + timeout + "\n" + describe());
  }

  /** Waits until something accepts TCP connections on 127.0.0.1:{@code port}. */
  public void awaitPort(int port, Duration timeout) {
    Poll.until(
        Poll.deadline(timeout),
        () -> {
          if (isListening(port)) {
            return true;
          }
          requireAlive("listening on port " + port);
          return false;
        },
        name + " is not listening on port " + port + " after " + timeout + "\n" + describe());
  }

  /** Fails the current poll at once (no retry) when the process has already exited. */
  public void requireAlive(String expectation) {
    if (!process.isAlive()) {
      throw Poll.failFast(
          name + " exited with code " + process.exitValue() + " before " + expectation + "\n"
              + describe());
    }
  }

  /** Waits for the process to end by itself and returns its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        close();
        throw new AssertionFailedError(
            name + " did not exit within " + timeout + " (killed)\n" + describe());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError("interrupted", e);
    }
    LIVE.remove(process);
    return process.exitValue();
  }

  /** True if a TCP connection to 127.0.0.1:{@code port} succeeds. */
  public static boolean isListening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The command, the log files and the tails of both streams: for failure messages. */
  public String describe() {
    return "--- " + name + " (pid " + process.pid() + (process.isAlive() ? ", alive" : ", exited "
        + process.exitValue()) + ")\n"
        + "command: " + String.join(" ", command) + "\n"
        + "stdout (" + stdout + "):\n" + tail(stdoutLines()) + "\n"
        + "stderr (" + stderr + "):\n" + tail(stderrLines()) + "\n---";
  }

  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      LIVE.remove(process);
    }
  }

  private static String tail(List<String> lines) {
    int from = Math.max(0, lines.size() - 60);
    return (from > 0 ? "  ... (" + from + " earlier lines)\n" : "")
        + lines.subList(from, lines.size()).stream()
            .map(l -> "  | " + l)
            .collect(Collectors.joining("\n"));
  }

  private static List<String> readLines(Path file, boolean stillWriting) {
    try {
      // Decoding with replacement: the child may be in the middle of writing a character.
      String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(Arrays.asList(text.split("\r?\n", -1)));
      // The text after the last newline is empty, or a line the child is still writing (a
      // 100 KB line reaches the file in pieces): a poll must not judge half a line. Once the
      // child has exited, an unterminated last line is all there will be, so it is kept.
      String tail = lines.get(lines.size() - 1);
      if (tail.isEmpty() || stillWriting) {
        lines.remove(lines.size() - 1);
      }
      return lines;
    } catch (NoSuchFileException e) {
      return Collections.emptyList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds the child JVM's command line. */
  public static final class Builder {
    private final String name;
    private Path java = SmokeEnv.currentJava();
    private final List<String> jvmArgs = new ArrayList<>();
    private Path jar;
    private final List<String> args = new ArrayList<>();
    private final java.util.Map<String, String> env = new java.util.LinkedHashMap<>();

    private Builder(String name) {
      this.name = name;
    }

    /** The {@code java} launcher to use (default: the JVM running the tests). */
    public Builder java(Path java) {
      this.java = java;
      return this;
    }

    public Builder javaHome(Path home) {
      return java(SmokeEnv.javaOf(home));
    }

    /** Adds {@code -javaagent:<jar>}. */
    public Builder agent(Path agentJar) {
      jvmArgs.add("-javaagent:" + agentJar);
      return this;
    }

    public Builder jvmArgs(String... values) {
      jvmArgs.addAll(Arrays.asList(values));
      return this;
    }

    /** Runs {@code -jar <jar>}. */
    public Builder jar(Path jar) {
      this.jar = jar;
      return this;
    }

    public Builder args(String... values) {
      args.addAll(Arrays.asList(values));
      return this;
    }

    /** Sets an environment variable of the child (on top of this JVM's environment). */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    public ServiceProcess start() {
      List<String> command = new ArrayList<>();
      command.add(java.toString());
      command.addAll(jvmArgs);
      if (jar != null) {
        command.add("-jar");
        command.add(jar.toString());
      }
      command.addAll(args);

      String base = name.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + SEQUENCE.incrementAndGet();
      Path logDir = SmokeEnv.logDir();
      Path out = logDir.resolve(base + ".stdout.log");
      Path err = logDir.resolve(base + ".stderr.log");
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()))
          .redirectError(ProcessBuilder.Redirect.to(err.toFile()))
          .redirectInput(ProcessBuilder.Redirect.PIPE);
      builder.environment().putAll(env);
      try {
        Process process = builder.start();
        LIVE.add(process);
        // No stdin for the child: close our end so a read sees EOF rather than blocking.
        process.getOutputStream().close();
        return new ServiceProcess(name, command, process, out, err);
      } catch (IOException e) {
        throw new AssertionFailedError("cannot start " + String.join(" ", command) + ": " + e, e);
      }
    }
  }
}
