package dev.weft.bench.common;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/** Median, min and max of a set of values (one per round or launch), and how to print them. */
public record Spread(double median, double min, double max, int n) {

    /** The spread of the values that are not NaN; null if there are none. */
    public static Spread of(double... values) {
        double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
        int n = v.length;
        if (n == 0) {
            return null;
        }
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Spread(median, v[0], v[n - 1], n);
    }

    public static Spread of(Collection<Double> values) {
        return of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** "median (min–max)" with {@code decimals} decimals; only the median when there is one value. */
    public String format(int decimals) {
        String f = "%,." + decimals + "f";
        if (n == 1) {
            return String.format(Locale.ROOT, f, median);
        }
        return String.format(Locale.ROOT, f + " (" + f + "–" + f + ")", median, min, max);
    }

    /** As {@link #format(int)}, with a sign on every number (for differences). */
    public String formatSigned(int decimals) {
        String f = "%+,." + decimals + "f";
        if (n == 1) {
            return String.format(Locale.ROOT, f, median);
        }
        return String.format(Locale.ROOT, f + " (" + f + " to " + f + ")", median, min, max);
    }
}
