package dev.weft.bench.common;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** One fresh JVM of a benchmark service, started by a driver and stopped after its run. */
public final class ServiceProcess implements AutoCloseable {

    public static final String HOST = "127.0.0.1";
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    /** Inherited variables that would add an agent or change the agents' configuration. */
    private static final List<String> SCRUBBED_PREFIXES = List.of("OTEL_", "WEFT_");
    private static final List<String> SCRUBBED = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

    private final Process process;
    private final long startNanos;
    private final int port;
    private final Path log;

    private ServiceProcess(Process process, long startNanos, int port, Path log) {
        this.process = process;
        this.startNanos = startNanos;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts {@code command} (a whole command line: {@code java <flags> -jar <service jar> ...},
     * perhaps behind a CPU-pinning prefix that execs it) with its output and error in {@code log},
     * the inherited agent variables removed and {@code extraEnv} added. The start instant is taken
     * right before the process is created.
     */
    public static ServiceProcess start(List<String> command, int port, Map<String, String> extraEnv, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(log.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> SCRUBBED.contains(k) || SCRUBBED_PREFIXES.stream().anyMatch(k::startsWith));
        env.putAll(extraEnv);
        long t0 = System.nanoTime();
        Process process = builder.start();
        return new ServiceProcess(process, t0, port, log);
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Polls {@code GET path} every {@code interval} until the first 200 and returns the time from
     * process start to that response, in milliseconds.
     *
     * @throws IllegalStateException if the process exits first or the deadline passes
     */
    public double awaitFirstOk(String path, Duration interval, Duration deadline) throws InterruptedException {
        byte[] request = HttpConnection.get(HOST, port, path);
        long intervalNanos = interval.toNanos();
        long deadlineAt = startNanos + deadline.toNanos();
        String last = "no answer yet";
        while (true) {
            long attemptAt = System.nanoTime();
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with code " + process.exitValue()
                        + " before answering 200 (" + last + ")\n" + tail(40));
            }
            try (HttpConnection c = new HttpConnection(HOST, port, 2_000)) {
                int status = c.exchange(request, false);
                if (status == 200) {
                    return (System.nanoTime() - startNanos) / 1e6;
                }
                last = "last answer: HTTP " + status;
            } catch (IOException e) {
                last = "last attempt: " + e;
            }
            long now = System.nanoTime();
            if (now - deadlineAt >= 0) {
                throw new IllegalStateException("no 200 from GET " + path + " within " + deadline.toSeconds()
                        + " s of the start (" + last + ")\n" + tail(40));
            }
            long sleep = attemptAt + intervalNanos - now;
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
    }

    /** {@code GET path} on a new connection: the status and the body. */
    public static HttpAnswer get(int port, String path) throws IOException {
        try (HttpConnection c = new HttpConnection(HOST, port, 30_000)) {
            int status = c.exchange(HttpConnection.get(HOST, port, path), true);
            return new HttpAnswer(status, new String(c.body(), StandardCharsets.UTF_8));
        }
    }

    public record HttpAnswer(int status, String body) {
    }

    /** CPU time (user + system) the service process has used so far, in nanoseconds, if known. */
    public OptionalLong cpuNanos() {
        return process.info().totalCpuDuration().map(d -> OptionalLong.of(d.toNanos())).orElse(OptionalLong.empty());
    }

    /** A field of /proc/&lt;pid&gt;/status in bytes ({@code VmRSS}, {@code VmHWM}), if readable. */
    public OptionalLong procStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    long value = Long.parseLong(parts[0]);
                    return OptionalLong.of(parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not on Linux, or the process is gone
        }
        return OptionalLong.empty();
    }

    /** Stops the service: SIGTERM, then a forced kill after 20 s. Returns the exit code. */
    public int stop() throws InterruptedException {
        return stop(STOP_GRACE);
    }

    /**
     * Stops the service: SIGTERM, then a forced kill after {@code grace} (a JVM that writes a CDS
     * archive or an AOT cache at exit needs longer). Returns the exit code.
     */
    public int stop(Duration grace) throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return process.isAlive() ? Integer.MIN_VALUE : process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** The last lines of the service's log. */
    public String tail(int lines) {
        try {
            List<String> all = List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n"));
            List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
            return "--- last lines of " + log + " ---\n" + String.join("\n", last);
        } catch (IOException | RuntimeException e) {
            return "(log " + log + " unreadable: " + e + ")";
        }
    }
}
