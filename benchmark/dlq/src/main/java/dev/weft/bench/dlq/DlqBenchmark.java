package dev.weft.bench.dlq;

import dev.weft.testing.kafka.KafkaBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The dead-letter benchmark: a broker of its own, then per round every configuration once (the
 * order rotating from round to round), each a fresh consumer JVM going through a fresh topic, and
 * with Weft an outage of the dead-letter topic after which the spool drains. Prints one line per
 * run and writes a Markdown section (see {@link Report}).
 *
 * <p>Exit codes: 0 done (in full mode also when a sender did not finish within the deadline: that
 * is a measurement, reported as such), 1 a run failed or, in smoke mode, a dead letter is missing
 * or duplicated, 2 a bad command line.
 */
public final class DlqBenchmark {

    private final Options options;
    private final PrintStream out;
    private Path workDir;
    private Topics topics;
    private KafkaBroker broker;

    DlqBenchmark(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println(e.getMessage());
            }
            System.err.println(Options.USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        Report report = new DlqBenchmark(options, System.out).run();
        String markdown = report.markdown();
        Files.createDirectories(options.out.toAbsolutePath().getParent());
        Files.writeString(options.out, markdown, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(markdown);
        System.out.println("wrote " + options.out);
        List<String> problems = report.problems(options.smoke);
        if (!problems.isEmpty()) {
            System.out.println("PROBLEMS:");
            problems.forEach(p -> System.out.println("  - " + p));
            System.exit(1);
        }
    }

    Report run() throws IOException, InterruptedException {
        check(options.weftAgent, options.configs.stream().anyMatch(c -> c != Config.NONE && c != Config.OTEL_METRICS),
                "Weft's agent jar (build it: mvn -B -DskipTests package -pl agent -am)");
        check(options.otelAgent, options.configs.contains(Config.OTEL_METRICS),
                "the OpenTelemetry agent (this module's build copies it there)");
        Storm storm = options.storm();
        out.printf("dead-letter benchmark (%s): %d records of which %d fail, %d partitions, %d-byte values;"
                        + " configurations %s; %d round(s)%s%n",
                options.smoke ? "smoke" : "full", storm.records(), storm.failing(), storm.partitions(), storm.valueBytes(),
                options.configs, options.rounds,
                options.runsOutage() ? "; outage drain of " + options.outageRecords + " dead letters" : "");
        workDir = Files.createTempDirectory("weft-dlq-bench");
        deleteQuietly(logsDir());
        List<RunResult> results = new ArrayList<>();
        long started = System.nanoTime();
        String loadAtStart = Report.loadAverage();
        try (KafkaBroker b = KafkaBroker.start(workDir.resolve("kafka"));
                Topics t = new Topics(b.bootstrapServers())) {
            broker = b;
            topics = t;
            out.println("broker " + broker.bootstrapServers());
            try {
                for (int round = 1; round <= options.rounds; round++) {
                    List<Config> order = new ArrayList<>(options.configs);
                    java.util.Collections.rotate(order, -(round - 1));
                    for (Config config : order) {
                        long t0 = System.nanoTime();
                        results.add(report(runStorm(config, round, storm), t0));
                    }
                    if (options.runsOutage()) {
                        long t0 = System.nanoTime();
                        results.add(report(runOutage(round, options.outage()), t0));
                    }
                }
            } finally {
                keepBrokerLog();
            }
        } finally {
            deleteQuietly(workDir);
        }
        return new Report(options, results, (System.nanoTime() - started) / 1e9, loadAtStart);
    }

    /** The broker's own log, next to the consumers' (the broker's work directory is deleted). */
    private void keepBrokerLog() {
        Path brokerLog = workDir.resolve("kafka/logs/broker.stdout");
        try {
            if (Files.isRegularFile(brokerLog)) {
                Files.createDirectories(logsDir());
                Files.copy(brokerLog, logsDir().resolve("broker.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            out.println("(the broker's log was not kept: " + e + ")");
        }
    }

    private RunResult report(RunResult r, long startNanos) {
        r.elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;
        out.println(r.summary());
        return r;
    }

    /** One configuration through the storm: the consumer's throughput and, with Weft, the dead letters. */
    private RunResult runStorm(Config config, int round, Storm storm) throws IOException, InterruptedException {
        RunResult r = new RunResult(RunResult.Kind.STORM, config, round, storm);
        String topic = "storm-" + round + "-" + config.id;
        String dlqTopic = topic + ".dlq";
        long t0 = System.nanoTime();
        topics.create(topic, storm.partitions(), Map.of());
        topics.produce(topic, storm);
        r.setupSeconds = (System.nanoTime() - t0) / 1e9;
        int port = freePort();
        List<String> flags = config.jvmFlags(options.weftAgent, options.otelAgent, port, workDir.resolve("spool-" + topic));
        try (ConsumerProcess consumer = startConsumer(flags, topic, storm, null)) {
            AgentMetrics metrics = config.deadLetters() ? new AgentMetrics(port) : null;
            if (config.deadLetters()) {
                r.acks = new Acknowledgements(storm.failing());
            }
            if (!sample(consumer, r, metrics, null)) {
                return r;
            }
            r.ratedFromNanos = r.firstThrowNanos;
            if (r.acks != null) {
                r.dlqTopicRecords = awaitTopicRecords(dlqTopic, r.acks.published());
            } else {
                r.dlqTopicRecords = topics.records(dlqTopic);
                if (r.dlqTopicRecords > 0) {
                    r.problems.add(dlqTopic + " holds " + r.dlqTopicRecords + " records under " + config + ", which sends no dead letters");
                }
            }
            checkCounts(r, storm);
            consumer.close();
        }
        return r;
    }

    /**
     * Weft through a broker outage: the consumer fetches every record (all failing) and holds them;
     * the broker is stopped; the consumer processes them, so every dead letter waits in the spool
     * (nothing can be acknowledged); once the agent's gauge shows them all there, the broker is
     * restarted on the same data and port, and the drain is timed from the instant it is ready.
     */
    private RunResult runOutage(int round, Storm storm) throws IOException, InterruptedException {
        RunResult r = new RunResult(RunResult.Kind.OUTAGE, Config.WEFT, round, storm);
        String topic = "outage-" + round;
        long t0 = System.nanoTime();
        topics.create(topic, storm.partitions(), Map.of());
        topics.create(topic + ".dlq", storm.partitions(), Map.of());
        topics.produce(topic, storm);
        r.setupSeconds = (System.nanoTime() - t0) / 1e9;
        int port = freePort();
        Path hold = workDir.resolve("go-" + topic);
        List<String> flags = Config.WEFT.jvmFlags(options.weftAgent, options.otelAgent, port, workDir.resolve("spool-" + topic));
        try (ConsumerProcess consumer = startConsumer(flags, topic, storm, hold)) {
            if (!awaitLine(consumer, FailingConsumer.FETCHED, r)) {
                return r;
            }
            broker.stopKeepingData();
            try {
                Files.createFile(hold);
                AgentMetrics metrics = new AgentMetrics(port);
                r.acks = new Acknowledgements(storm.failing());
                if (!sample(consumer, r, metrics, reading -> reading.waiting() >= storm.failing())) {
                    return r;
                }
                if (r.acks.published() > 0) {
                    r.failure = r.acks.published() + " dead letters acknowledged while the broker was down";
                    return r;
                }
            } finally {
                long down = System.nanoTime();
                broker.restart();
                r.restartSeconds = (System.nanoTime() - down) / 1e9;
            }
            r.acks = new Acknowledgements(storm.failing());
            r.ratedFromNanos = FailingConsumer.epochNanos();
            if (!sample(consumer, r, new AgentMetrics(port), null)) {
                return r;
            }
            r.dlqTopicRecords = awaitTopicRecords(topic + ".dlq", r.acks.published());
            checkCounts(r, storm);
        }
        return r;
    }

    /** Waits for the consumer to print {@code prefix}; false (with {@code r.failure}) if it dies or takes too long. */
    private boolean awaitLine(ConsumerProcess consumer, String prefix, RunResult r) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + options.consumerDeadline.toNanos();
        while (true) {
            for (String line : consumer.newLines()) {
                if (line.startsWith(prefix)) {
                    return true;
                }
            }
            if (!consumer.isAlive()) {
                r.failure = consumer.describeExit();
                return false;
            }
            if (System.nanoTime() - deadline > 0) {
                r.failure = "the consumer did not print '" + prefix + "' within " + options.consumerDeadline.toSeconds() + " s\n"
                        + consumer.tail(20);
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private ConsumerProcess startConsumer(List<String> flags, String topic, Storm storm, Path holdFile) throws IOException {
        return ConsumerProcess.start(options.java, flags, topics.bootstrapServers(), topic, "group-" + topic,
                storm.records(), holdFile, logsDir().resolve(topic + ".log"));
    }

    /** The consumers' logs, kept after the run: next to the Markdown output. */
    private Path logsDir() {
        return options.out.toAbsolutePath().getParent().resolve(options.smoke ? "dlq-smoke-logs" : "dlq-logs");
    }

    /** What the sampling waits for besides the consumer's DONE line; null: every dead letter acknowledged. */
    private interface Until {
        boolean reached(AgentMetrics.Reading reading);
    }

    /**
     * Polls the consumer's output and, with {@code metrics}, the agent's dead-letter counts every
     * sampling interval, until the consumer is done and {@code until} holds (by default: every
     * dead letter in {@code r.acks} acknowledged). The consumer has {@code
     * --consumer-deadline-seconds} to get through its records; the condition has {@code
     * --deadline-seconds} from then. Returns false when the
     * run failed ({@code r.failure} says why); a condition that was not reached in time is not a
     * failure when it is the acknowledgements: their count so far is the measurement.
     */
    private boolean sample(ConsumerProcess consumer, RunResult r, AgentMetrics metrics, Until until)
            throws IOException, InterruptedException {
        long intervalNanos = options.sampleInterval.toNanos();
        long consumerDeadline = System.nanoTime() + options.consumerDeadline.toNanos();
        long deadline = 0;
        while (true) {
            long tick = System.nanoTime();
            for (String line : consumer.newLines()) {
                if (line.startsWith(FailingConsumer.DONE)) {
                    r.consumerReport(line);
                } else if (line.startsWith(FailingConsumer.READY) && r.readyEpochNanos == 0) {
                    r.readyEpochNanos = FailingConsumer.epochNanos();
                }
            }
            if (!consumer.isAlive()) {
                r.failure = consumer.describeExit();
                return false;
            }
            AgentMetrics.Reading reading = metrics == null ? null : metrics.read();
            if (reading != null) {
                r.acks.add(FailingConsumer.epochNanos(), reading);
            }
            if (r.consumerDone) {
                boolean reached = until == null
                        ? r.acks == null || r.acks.complete()
                        : reading != null && until.reached(reading);
                if (reached) {
                    return true;
                }
                if (deadline == 0) {
                    deadline = tick + options.deadline.toNanos();
                } else if (tick - deadline > 0) {
                    if (until == null) {
                        r.acks.giveUp(FailingConsumer.epochNanos());
                        return true;
                    }
                    r.failure = "the dead letters were not all in the spool within " + options.deadline.toSeconds()
                            + " s of the consumer's end (last reading: " + (reading == null ? "none" : reading) + ")\n" + consumer.tail(20);
                    return false;
                }
            } else if (tick - consumerDeadline > 0) {
                r.failure = "the consumer did not get through " + r.storm.records() + " records within "
                        + options.consumerDeadline.toSeconds() + " s\n" + consumer.tail(20);
                return false;
            }
            long sleep = tick + intervalNanos - System.nanoTime();
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
    }

    /**
     * The dead-letter topic's record count once it holds at least the {@code acknowledged} ones
     * the agent counted (an acknowledgement means they are there; the end offsets may lag a
     * moment), or what it holds after 10 s.
     */
    private long awaitTopicRecords(String dlqTopic, long acknowledged) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            long n = topics.records(dlqTopic);
            if (n >= acknowledged || System.nanoTime() - deadline > 0) {
                return n;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    /** Every record went through the loop, and the dead letters are complete and unique. */
    private static void checkCounts(RunResult r, Storm storm) {
        if (r.ok != storm.records() - storm.failing() || r.failed != storm.failing()) {
            r.problems.add("the consumer saw " + r.ok + " ok and " + r.failed + " failed records, expected "
                    + (storm.records() - storm.failing()) + " and " + storm.failing());
        }
        if (r.acks == null) {
            return;
        }
        AgentMetrics.Reading last = r.acks.last;
        if (last.dropped() > 0 || last.lost() > 0) {
            r.problems.add(last.dropped() + " dead letters dropped and " + last.lost() + " lost");
        }
        if (r.acks.published() > storm.failing()) {
            r.problems.add(r.acks.published() + " dead letters counted published, expected " + storm.failing());
        }
        if (r.drained() && r.dlqTopicRecords != storm.failing()) {
            r.problems.add("the dead-letter topic holds " + r.dlqTopicRecords + " records, expected " + storm.failing());
        } else if (!r.drained() && r.dlqTopicRecords < r.acks.published()) {
            r.problems.add("the dead-letter topic holds " + r.dlqTopicRecords + " records, fewer than the "
                    + r.acks.published() + " acknowledged");
        }
    }

    private static void check(Path jar, boolean needed, String what) {
        if (needed && !Files.isRegularFile(jar)) {
            throw new IllegalStateException("missing " + jar + ": " + what);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temporary directory: left for the system to clean
        }
    }
}
