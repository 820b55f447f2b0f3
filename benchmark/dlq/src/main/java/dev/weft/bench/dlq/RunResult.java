package dev.weft.bench.dlq;

import java.util.ArrayList;
import java.util.List;

/** What one run of the consumer measured. */
final class RunResult {

    enum Kind {
        /** The consumer goes through the storm while dead letters flow. */
        STORM,
        /** The broker is down while the consumer fails every record; then the spool drains. */
        OUTAGE
    }

    final Kind kind;
    final Config config;
    final int round;
    final Storm storm;

    // The consumer's own report (FailingConsumer.DONE), wall-clock nanoseconds since the epoch.
    boolean consumerDone;
    long ok;
    long failed;
    long firstRecordNanos;
    long firstThrowNanos;
    long lastRecordNanos;

    /** Dead letters acknowledged over time; null where Weft sends none. */
    Acknowledgements acks;
    /** Where the dead-letter rate is measured from: the first throw, or the end of the outage. */
    long ratedFromNanos;
    /** Records in the dead-letter topic at the end; -1 if the topic does not exist. */
    long dlqTopicRecords = -1;
    /** The run's wall-clock time in the harness, topic creation to the consumer's stop. */
    double elapsedSeconds;
    /** Creating the topic and producing the records, before the consumer starts. */
    double setupSeconds;
    /** Outage only: how long the broker took to come back (stop to ready). */
    double restartSeconds;
    /** When the harness saw the consumer's READY line. */
    long readyEpochNanos;
    /** A run that failed outright (the consumer died, a deadline passed before it was done). */
    String failure;
    /** Mismatches that make the numbers suspect (counts off, dead letters missing or duplicated). */
    final List<String> problems = new ArrayList<>();

    RunResult(Kind kind, Config config, int round, Storm storm) {
        this.kind = kind;
        this.config = config;
        this.round = round;
        this.storm = storm;
    }

    /** Reads the consumer's DONE line. */
    void consumerReport(String line) {
        for (String field : line.substring(FailingConsumer.DONE.length()).trim().split("\\s+")) {
            int eq = field.indexOf('=');
            long v = Long.parseLong(field.substring(eq + 1));
            switch (field.substring(0, eq)) {
                case "ok" -> ok = v;
                case "failed" -> failed = v;
                case "first-record" -> firstRecordNanos = v;
                case "first-throw" -> firstThrowNanos = v;
                case "last-record" -> lastRecordNanos = v;
                default -> { }
            }
        }
        consumerDone = true;
    }

    boolean ok() {
        return failure == null;
    }

    /** Records per second through the consumer's poll loop, first record to last. */
    double consumerRecordsPerSecond() {
        double seconds = (lastRecordNanos - firstRecordNanos) / 1e9;
        return consumerDone && seconds > 0 ? (ok + failed) / seconds : Double.NaN;
    }

    double consumerMillis() {
        return consumerDone ? (lastRecordNanos - firstRecordNanos) / 1e6 : Double.NaN;
    }

    /** Whether every expected dead letter was acknowledged before the harness stopped waiting. */
    boolean drained() {
        return acks != null && acks.complete();
    }

    double deadLettersPerSecond() {
        return acks == null ? Double.NaN : acks.rateSince(ratedFromNanos);
    }

    double sustainedDeadLettersPerSecond() {
        return acks == null ? Double.NaN : acks.sustainedRate();
    }

    /** Seconds from the consumer's last record to the last acknowledgement (storm, drained only). */
    double drainAfterConsumerSeconds() {
        return drained() && consumerDone ? Math.max(0, acks.endNanos - lastRecordNanos) / 1e9 : Double.NaN;
    }

    /** Seconds from the start of the rated interval to the first acknowledgement. */
    double firstAckSeconds() {
        return acks == null || acks.firstNanos == 0 ? Double.NaN : (acks.firstNanos - ratedFromNanos) / 1e9;
    }

    /** One line for the log. */
    String summary() {
        StringBuilder s = new StringBuilder();
        s.append(kind == Kind.STORM ? "storm" : "outage").append(" round ").append(round).append(' ').append(config)
                .append(String.format(" (%.1f s; setup %.1f s", elapsedSeconds, setupSeconds));
        if (readyEpochNanos > 0 && firstRecordNanos > 0) {
            s.append(String.format(", subscribed to first record %.1f s", (firstRecordNanos - readyEpochNanos) / 1e9));
        }
        s.append("): ");
        if (failure != null) {
            return s.append("FAILED: ").append(failure).toString();
        }
        s.append(String.format("consumer %.0f records/s (%d ok, %d failed in %.0f ms)",
                consumerRecordsPerSecond(), ok, failed, consumerMillis()));
        if (acks != null) {
            s.append(String.format("; dead letters %d/%d acknowledged, %.1f/s end to end, %.1f/s sustained, first after %.2f s",
                    acks.published(), acks.expected, deadLettersPerSecond(), sustainedDeadLettersPerSecond(), firstAckSeconds()));
            if (kind == Kind.OUTAGE) {
                s.append(String.format(", broker back after %.1f s", restartSeconds));
            }
            if (kind == Kind.STORM && drained()) {
                s.append(String.format(", drained %.2f s after the consumer", drainAfterConsumerSeconds()));
            }
            s.append("; spooled ").append(acks.last.spooled()).append(", dropped ").append(acks.last.dropped())
                    .append(", lost ").append(acks.last.lost());
        }
        s.append("; ").append(dlqTopicRecords < 0 ? "no dead-letter topic" : dlqTopicRecords + " in the dead-letter topic");
        if (!problems.isEmpty()) {
            s.append("; PROBLEMS: ").append(String.join("; ", problems));
        }
        return s.toString();
    }
}
