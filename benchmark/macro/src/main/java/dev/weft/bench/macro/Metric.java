package dev.weft.bench.macro;

import java.util.List;
import java.util.Locale;

/** A number measured in every run, summarised as median (min–max) per configuration. */
enum Metric {
    STARTUP_MS("startupMs", "start-up to first 200 (ms)", 1, 0),
    THROUGHPUT_RPS("throughputRps", "throughput (req/s)", 1, 0),
    P50_MS("p50Ms", "latency p50 (ms)", 1, 2),
    P99_MS("p99Ms", "latency p99 (ms)", 1, 2),
    /**
     * The service process's CPU time (user + system) during the measured load per successful
     * request: less sensitive than throughput to other processes taking CPU on a noisy machine.
     */
    CPU_PER_REQUEST("serviceCpuPerRequestUs", "service CPU per request (µs)", 1, 0),
    /**
     * Bytes the service's threads allocated on the heap during the measured load (the service's
     * {@code /bench/allocated} read before and after it) per successful request.
     */
    ALLOC_PER_REQUEST("allocatedBytesPerRequest", "service allocation per request (bytes)", 1, 0),
    ERRORS("errors", "errors", 1, 0),
    HEAP_AFTER_GC("heapUsedAfterGcBytes", "heap used after GC (MiB)", 1024 * 1024, 1),
    LOADED_CLASSES("loadedClassCount", "classes loaded", 1, 0),
    RSS("rssBytes", "RSS after load (MiB)", 1024 * 1024, 0),
    PEAK_RSS("peakRssBytes", "peak RSS (MiB)", 1024 * 1024, 0);

    /** The ratios vs {@code none} that the goals are written in. */
    static final List<Metric> HEADLINE_RATIOS = List.of(STARTUP_MS, THROUGHPUT_RPS, P99_MS, RSS);

    final String key;
    final String label;
    final double divisor;
    final int decimals;

    Metric(String key, String label, double divisor, int decimals) {
        this.key = key;
        this.label = label;
        this.divisor = divisor;
        this.decimals = decimals;
    }

    /** The value in the table's unit, rounded to the metric's decimals. */
    String format(double raw) {
        if (Double.isNaN(raw)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", raw / divisor);
    }
}
