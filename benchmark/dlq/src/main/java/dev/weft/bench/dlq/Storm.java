package dev.weft.bench.dlq;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The records of one run: {@code records} records on a topic of {@code partitions} partitions, of
 * which {@code failing}, spread evenly, make the consumer's processing throw.
 */
record Storm(int records, int failing, int partitions, int valueBytes) {

    /** First byte of a value the consumer rejects; every other value starts with {@code 'v'}. */
    static final byte FAILING_MARK = (byte) 0xEE;

    Storm {
        if (records < 1 || failing < 0 || failing > records || partitions < 1 || valueBytes < 1) {
            throw new IllegalArgumentException("bad storm: " + records + " records, " + failing + " failing, "
                    + partitions + " partitions, " + valueBytes + "-byte values");
        }
    }

    /** Whether record {@code i} (0-based) fails: exactly {@code failing} of them, evenly spaced. */
    boolean fails(int i) {
        return (long) (i + 1) * failing / records > (long) i * failing / records;
    }

    byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    byte[] value(int i) {
        byte[] v = new byte[valueBytes];
        Arrays.fill(v, (byte) ('a' + i % 26));
        v[0] = fails(i) ? FAILING_MARK : (byte) 'v';
        return v;
    }
}
