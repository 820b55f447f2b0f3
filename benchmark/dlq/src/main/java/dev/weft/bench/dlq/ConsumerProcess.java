package dev.weft.bench.dlq;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One JVM of {@link FailingConsumer}, its output in a log file the harness reads as it grows. */
final class ConsumerProcess implements AutoCloseable {

    /** Inherited variables that would add an agent or change the agents' configuration. */
    private static final List<String> SCRUBBED_PREFIXES = List.of("OTEL_", "WEFT_");
    private static final List<String> SCRUBBED = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

    private final Process process;
    private final Path log;
    private long readUpTo;
    private final StringBuilder partial = new StringBuilder();

    private final Thread killOnExit;

    private ConsumerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        // A harness stopped with Ctrl-C or SIGTERM must not leave its consumer running.
        this.killOnExit = new Thread(process::destroyForcibly, "dlq-bench-consumer-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * {@code java <jvmFlags> -cp <benchmark jar> FailingConsumer <bootstrap> <topic> <group> <records> [<hold file>]}
     * ({@code holdFile} null: none).
     */
    static ConsumerProcess start(String java, List<String> jvmFlags, String bootstrap, String topic, String group,
            int records, Path holdFile, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Xmx256m");
        command.add("-XX:+UseG1GC");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(ownClassPath());
        command.add(FailingConsumer.class.getName());
        command.addAll(List.of(bootstrap, topic, group, Integer.toString(records)));
        if (holdFile != null) {
            command.add(holdFile.toAbsolutePath().toString());
        }
        Files.createDirectories(log.getParent());
        Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(log.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> SCRUBBED.contains(k) || SCRUBBED_PREFIXES.stream().anyMatch(k::startsWith));
        ConsumerProcess p = new ConsumerProcess(builder.start(), log);
        p.readUpTo = Files.size(log);
        return p;
    }

    /**
     * The harness's own class path: its jar (whose manifest names kafka-clients and slf4j-nop in
     * lib/), or its classes and dependencies when run from an IDE or a test.
     */
    private static String ownClassPath() {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                // Absolute: the consumer runs in its log's directory.
                entries.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The lines the consumer wrote since the last call. */
    List<String> newLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long length = f.length();
            if (length <= readUpTo) {
                return lines;
            }
            byte[] bytes = new byte[(int) (length - readUpTo)];
            f.seek(readUpTo);
            f.readFully(bytes);
            readUpTo = length;
            partial.append(new String(bytes, StandardCharsets.UTF_8));
        }
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            lines.add(partial.substring(0, nl));
            partial.delete(0, nl + 1);
        }
        return lines;
    }

    /** Why the process is no use any more, with the end of its log. */
    String describeExit() {
        return "the consumer exited with code " + process.exitValue() + "\n" + tail(40);
    }

    /**
     * Kills the JVM (nothing of it is measured once its run is over, and a graceful stop would only
     * let an agent's shutdown work delay the next run) and waits for it to be gone.
     */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook kills it
        }
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    String tail(int lines) {
        try {
            List<String> all = List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n"));
            return "--- last lines of " + log + " ---\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(log " + log + " unreadable: " + e + ")";
        }
    }
}
