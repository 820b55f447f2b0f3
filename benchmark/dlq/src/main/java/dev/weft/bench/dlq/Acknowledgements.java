package dev.weft.bench.dlq;

/**
 * The dead letters acknowledged over time, from the agent's {@code published} count sampled at a
 * fine interval: when the first came, when 10 % and 90 % of them had come, when the last came.
 * Instants are wall-clock nanoseconds since the epoch, as the consumer reports its own; each is
 * the first sample that saw the count, so it is late by at most one sampling interval.
 */
final class Acknowledgements {

    final long expected;
    long firstNanos;
    long tenthNanos;
    long tenthCount;
    long ninetiethNanos;
    long ninetiethCount;
    /** When the last one came, or when the harness stopped waiting (see {@link #complete()}). */
    long endNanos;
    AgentMetrics.Reading last = new AgentMetrics.Reading(0, 0, 0, 0, 0);

    Acknowledgements(long expected) {
        this.expected = expected;
    }

    void add(long nowNanos, AgentMetrics.Reading reading) {
        last = reading;
        long n = reading.published();
        if (n > 0 && firstNanos == 0) {
            firstNanos = nowNanos;
        }
        if (tenthNanos == 0 && n * 10 >= expected && n > 0) {
            tenthNanos = nowNanos;
            tenthCount = n;
        }
        if (ninetiethNanos == 0 && n * 10 >= expected * 9 && n > 0) {
            ninetiethNanos = nowNanos;
            ninetiethCount = n;
        }
        if (endNanos == 0 && n >= expected) {
            endNanos = nowNanos;
        }
    }

    boolean complete() {
        return last.published() >= expected;
    }

    /** The harness stops waiting: what was acknowledged by {@code nowNanos} is what the run measured. */
    void giveUp(long nowNanos) {
        if (endNanos == 0) {
            endNanos = nowNanos;
        }
    }

    long published() {
        return last.published();
    }

    /** Dead letters per second from {@code startNanos} to the last acknowledgement (or the give-up). */
    double rateSince(long startNanos) {
        double seconds = (endNanos - startNanos) / 1e9;
        return seconds > 0 ? published() / seconds : Double.NaN;
    }

    /**
     * Dead letters per second between the 10 % and the 90 % marks: the sender's pace once it runs.
     * When the harness gave up before the 90 % mark, from the 10 % mark to the give-up.
     */
    double sustainedRate() {
        long toNanos = ninetiethNanos != 0 ? ninetiethNanos : endNanos;
        long toCount = ninetiethNanos != 0 ? ninetiethCount : published();
        if (tenthNanos == 0 || toNanos <= tenthNanos) {
            return Double.NaN;
        }
        return (toCount - tenthCount) / ((toNanos - tenthNanos) / 1e9);
    }
}
