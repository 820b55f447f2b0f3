package dev.weft.bench.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every measured value of a case, one per configuration and round (or launch), as tab-separated
 * lines, so that the goals table can pair each configuration with {@code none} of the same round:
 * {@code value <case> <metric> <config> <round> <number>} and {@code note <case> <key> <text>}.
 */
public final class RoundsFile {

    /** One measured value. */
    public record Value(String kase, String metric, String config, int round, double value) {
    }

    private final List<Value> values = new ArrayList<>();
    private final Map<String, String> notes = new LinkedHashMap<>();

    public synchronized void value(String kase, String metric, String config, int round, double value) {
        if (!Double.isNaN(value)) {
            values.add(new Value(kase, metric, config, round, value));
        }
    }

    public synchronized void note(String kase, String key, String text) {
        notes.put(kase + "\t" + key, text.replace('\t', ' ').replace('\n', ' ').replace("\r", ""));
    }

    public synchronized void write(Path file) throws IOException {
        StringBuilder out = new StringBuilder("# value case metric config round number | note case key text\n");
        for (Value v : values) {
            out.append(String.format(Locale.ROOT, "value\t%s\t%s\t%s\t%d\t%s%n", v.kase(), v.metric(), v.config(), v.round(),
                    Double.toString(v.value())));
        }
        for (Map.Entry<String, String> n : notes.entrySet()) {
            out.append("note\t").append(n.getKey()).append('\t').append(n.getValue()).append('\n');
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    /** Adds what {@code file} holds. */
    public void read(Path file) throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("value") && f.length == 6) {
                value(f[1], f[2], f[3], Integer.parseInt(f[4]), Double.parseDouble(f[5]));
            } else if (f[0].equals("note") && f.length == 4) {
                note(f[1], f[2], f[3]);
            }
        }
    }

    /** The values of one case, metric and configuration by round. */
    public synchronized TreeMap<Integer, Double> byRound(String kase, String metric, String config) {
        TreeMap<Integer, Double> m = new TreeMap<>();
        for (Value v : values) {
            if (v.kase().equals(kase) && v.metric().equals(metric) && v.config().equals(config)) {
                m.put(v.round(), v.value());
            }
        }
        return m;
    }

    public synchronized String note(String kase, String key) {
        return notes.get(kase + "\t" + key);
    }

    /** Per round where both have a value: {@code config / base} ({@code ratio}) or {@code config - base}. */
    public List<Double> paired(String kase, String metric, String config, String base, boolean ratio) {
        TreeMap<Integer, Double> a = byRound(kase, metric, config);
        TreeMap<Integer, Double> b = byRound(kase, metric, base);
        List<Double> out = new ArrayList<>();
        for (Map.Entry<Integer, Double> e : a.entrySet()) {
            Double other = b.get(e.getKey());
            if (other != null && (!ratio || other != 0)) {
                out.add(ratio ? e.getValue() / other : e.getValue() - other);
            }
        }
        return out;
    }
}
