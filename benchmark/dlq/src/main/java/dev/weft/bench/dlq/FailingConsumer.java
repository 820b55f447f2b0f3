package dev.weft.bench.dlq;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The consumer under test, run in its own JVM (with or without an agent) from the benchmark's jar:
 *
 * <pre>
 * java [-javaagent:...] -cp dlq-bench.jar dev.weft.bench.dlq.FailingConsumer BOOTSTRAP TOPIC GROUP RECORDS [HOLD_FILE]
 * </pre>
 *
 * A plain poll loop, written the way this feature is for: each record goes to
 * {@link RecordProcessor#process(ConsumerRecord)}, which throws for a record whose value starts
 * with the byte {@link Storm#FAILING_MARK}; the loop catches the exception and goes on (log and
 * skip). Nothing in it knows about dead letters.
 *
 * <p>When it has been through {@code RECORDS} records it prints one line, {@value #DONE} followed
 * by the counts and the wall-clock instants (nanoseconds since the epoch, comparable with the
 * harness's clock on the same machine) of the start of the first record, the first throw and the
 * end of the last record. Then it keeps polling, as a service would, until it is stopped.
 *
 * <p>With {@code HOLD_FILE} (the outage variant) it first polls until it holds all {@code RECORDS}
 * records, prints {@value #FETCHED}, and processes them only once that file exists: the harness
 * stops the broker in between, so every dead letter has to wait in the spool.
 */
public final class FailingConsumer {

    static final String READY = "failing-consumer subscribed";
    static final String DONE = "failing-consumer done";
    static final String FETCHED = "failing-consumer fetched every record";

    private FailingConsumer() {
    }

    public static void main(String[] args) {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: FailingConsumer BOOTSTRAP TOPIC GROUP RECORDS [HOLD_FILE]");
            System.exit(2);
        }
        long expected = Long.parseLong(args[3]);
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("group.id", args[2]);
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "true");
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(args[1]));
        System.out.println(READY);
        System.out.flush();

        RecordProcessor processor = new RecordProcessor();
        long ok = 0;
        long failed = 0;
        long firstRecord = 0;
        long firstThrow = 0;
        boolean reported = false;
        Iterable<ConsumerRecord<byte[], byte[]>> held = args.length == 5 ? hold(consumer, expected, Path.of(args[4])) : null;
        while (true) {
            Iterable<ConsumerRecord<byte[], byte[]>> batch = held != null ? held : consumer.poll(Duration.ofMillis(100));
            held = null;
            for (ConsumerRecord<byte[], byte[]> record : batch) {
                if (firstRecord == 0) {
                    firstRecord = epochNanos();
                }
                try {
                    processor.process(record);
                    ok++;
                } catch (RuntimeException e) {
                    if (firstThrow == 0) {
                        firstThrow = epochNanos();
                    }
                    failed++;
                }
            }
            if (!reported && ok + failed >= expected) {
                long lastRecord = epochNanos();
                reported = true;
                System.out.println(DONE + " ok=" + ok + " failed=" + failed + " first-record=" + firstRecord
                        + " first-throw=" + firstThrow + " last-record=" + lastRecord);
                System.out.flush();
            }
        }
    }

    /** Polls until {@code expected} records are in hand, then waits for {@code go} to exist. */
    private static List<ConsumerRecord<byte[], byte[]>> hold(KafkaConsumer<byte[], byte[]> consumer, long expected, Path go) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        while (records.size() < expected) {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
        }
        System.out.println(FETCHED);
        System.out.flush();
        while (!Files.exists(go)) {
            LockSupport.parkNanos(5_000_000L);
        }
        return records;
    }

    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The application's processing: a method taking the record, which throws for marked records. */
    static final class RecordProcessor {
        private long checksum;

        void process(ConsumerRecord<byte[], byte[]> record) {
            byte[] value = record.value();
            if (value != null && value.length > 0 && value[0] == Storm.FAILING_MARK) {
                throw new IllegalStateException("rejected record at offset " + record.offset());
            }
            // A little real work on the bytes, so the JIT cannot drop the call.
            checksum += value == null || value.length == 0 ? 0 : value.length + value[value.length - 1];
        }
    }
}
