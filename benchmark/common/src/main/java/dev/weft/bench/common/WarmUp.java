package dev.weft.bench.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Warm-up until throughput is stable: load windows one after another until the last two are
 * within {@code tolerance} of each other (relative to the larger), or {@code maxSeconds} of
 * warm-up have gone by. What happened is kept for the results.
 */
public final class WarmUp {

    /** One window of load: its throughput (per second) and its length in seconds. */
    public interface Window {
        double[] run(double seconds) throws InterruptedException;
    }

    /** The windows' throughputs, whether the last two agreed, and the seconds spent. */
    public record Result(List<Double> throughputs, boolean stable, double seconds) {

        public Map<String, Object> toJson() {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("windowThroughputs", throughputs);
            j.put("stable", stable);
            j.put("seconds", seconds);
            return j;
        }

        public String describe() {
            StringBuilder s = new StringBuilder();
            for (double t : throughputs) {
                s.append(s.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", t));
            }
            return String.format(Locale.ROOT, "warm-up %.0f s %s [%s]", seconds, stable ? "stable" : "NOT stable (time limit)", s);
        }
    }

    private WarmUp() {
    }

    public static Result untilStable(Window window, double windowSeconds, double tolerance, double maxSeconds)
            throws InterruptedException {
        List<Double> throughputs = new ArrayList<>();
        double spent = 0;
        while (true) {
            double[] w = window.run(Math.min(windowSeconds, Math.max(0.1, maxSeconds - spent)));
            throughputs.add(w[0]);
            spent += w[1];
            int n = throughputs.size();
            if (n >= 2) {
                double a = throughputs.get(n - 2);
                double b = throughputs.get(n - 1);
                double larger = Math.max(a, b);
                if (larger > 0 && Math.abs(a - b) / larger <= tolerance) {
                    return new Result(throughputs, true, spent);
                }
            }
            if (spent >= maxSeconds - 1e-9) {
                return new Result(throughputs, false, spent);
            }
        }
    }
}
