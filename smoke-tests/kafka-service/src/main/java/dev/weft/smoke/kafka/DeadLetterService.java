package dev.weft.smoke.kafka;

import com.sun.net.httpserver.HttpServer;
import dev.weft.smoke.support.SmokeHttp;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A consumer service whose processing throws for some records, written the two plain ways
 * Weft's dead letters must recognise without any change to it:
 *
 * <pre>
 * java -cp kafka-service.jar:&lt;kafka-clients&gt; dev.weft.smoke.kafka.DeadLetterService \
 *     --port P --bootstrap HOST:PORT --topic T --group G --shape record|handler|seek [--delay-ms D]
 *     [--exit-after N] [--session-timeout-ms T]
 *
 *   record   the poll loop hands each record to RecordProcessor.process(ConsumerRecord)
 *   handler  the poll loop hands each record's value and key to Orders.handle(byte[], byte[])
 *            (named to Weft with weft.dlq.handlers=dev.weft.smoke.kafka.DeadLetterService$Orders#handle)
 *   seek     as record, but a record whose processing throws is retried: the loop seeks its
 *            partition back to it, 3 times, then moves on (4 attempts in all)
 *
 *   GET /stats   processed=N failedAttempts=M
 * </pre>
 *
 * A record fails when its value starts with the byte 0xEE, or, for a null value, when its key
 * does. The loop catches the exception, counts it and goes on to the next record (log and skip,
 * the usual code this feature is for); offsets are committed automatically every second.
 * {@code --delay-ms} makes each record take that long, so a test can stop the broker while the
 * consumer still works through what it fetched. {@code --exit-after N} ends the JVM normally
 * ({@code System.exit(0)}, shutdown hooks run) once N records were processed or failed.
 * {@code --session-timeout-ms T} sets the consumer's {@code session.timeout.ms} (and its
 * heartbeat to a third of it), for a test whose process dies or exits without leaving its group
 * and whose next process joins that group: the broker waits for the dead member only that long
 * (45 s by default).
 *
 * <p>In the {@code seek} shape a record whose value is the text {@code fail-times=N;...} also
 * fails, at its first N attempts, and every failure's message ends with {@code at attempt K}.
 */
public final class DeadLetterService {

  static final AtomicLong processed = new AtomicLong();
  static final AtomicLong failedAttempts = new AtomicLong();
  static final int SEEK_BACK_RETRIES = 3;

  public static void main(String[] args) throws Exception {
    Map<String, String> options = SmokeHttp.options(args);
    int port = Integer.parseInt(options.get("port"));
    String shape = options.get("shape");
    long delayNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(options.getOrDefault("delay-ms", "0")));
    long exitAfter = Long.parseLong(options.getOrDefault("exit-after", "-1"));
    Properties p = new Properties();
    p.put("bootstrap.servers", options.get("bootstrap"));
    p.put("group.id", options.get("group"));
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "true");
    p.put("auto.commit.interval.ms", "1000");
    p.put("max.poll.records", "100");
    String sessionTimeout = options.get("session-timeout-ms");
    if (sessionTimeout != null) {
      // A member that dies without leaving holds up the group's next rebalance this long.
      p.put("session.timeout.ms", sessionTimeout);
      p.put("heartbeat.interval.ms", Long.toString(Long.parseLong(sessionTimeout) / 3));
    }
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(Collections.singletonList(options.get("topic")));

    RecordProcessor records = new RecordProcessor();
    Orders orders = new Orders();
    RetryingProcessor retrying = new RetryingProcessor();
    if (!shape.equals("record") && !shape.equals("handler") && !shape.equals("seek")) {
      throw new IllegalArgumentException("--shape must be record, handler or seek: " + shape);
    }
    Thread loop =
        new Thread(
            () -> {
              while (true) {
                if (shape.equals("seek")) {
                  retrying.pollAndProcess(consumer);
                  continue;
                }
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                  if (delayNanos > 0) {
                    LockSupport.parkNanos(delayNanos);
                  }
                  try {
                    if (shape.equals("record")) {
                      records.process(r);
                    } else {
                      orders.handle(r.value(), r.key());
                    }
                    processed.incrementAndGet();
                  } catch (RuntimeException e) {
                    failedAttempts.incrementAndGet(); // logged and skipped
                  }
                  if (exitAfter > 0 && processed.get() + failedAttempts.get() >= exitAfter) {
                    System.out.println("dlq-service exits after " + exitAfter + " records");
                    System.out.flush();
                    System.exit(0);
                  }
                }
              }
            },
            "consumer-loop");
    loop.setDaemon(true);

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext(
        "/stats",
        SmokeHttp.handler(q -> "processed=" + processed.get() + " failedAttempts=" + failedAttempts.get()));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    loop.start();
    System.out.println("dlq-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  /** The failure rule: value starting with 0xEE, or a null value with a key starting with 0xEE. */
  static void check(byte[] value, byte[] key) {
    boolean fails =
        value != null
            ? value.length > 0 && value[0] == (byte) 0xEE
            : key != null && key.length > 0 && key[0] == (byte) 0xEE;
    if (fails) {
      throw new IllegalStateException(
          "rejected record: " + (value == null ? "null value" : value.length + " bytes"));
    }
  }

  /** Processes whole records. */
  static final class RecordProcessor {
    void process(ConsumerRecord<byte[], byte[]> record) {
      check(record.value(), record.key());
    }
  }

  /**
   * The {@code seek} shape: a failed record is tried again by seeking its partition back to it
   * (the records after it in that partition come again too), at most {@link #SEEK_BACK_RETRIES}
   * times; then the loop logs it and moves on to the next.
   */
  static final class RetryingProcessor {
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();

    void pollAndProcess(KafkaConsumer<byte[], byte[]> consumer) {
      ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
      for (TopicPartition tp : batch.partitions()) {
        for (ConsumerRecord<byte[], byte[]> r : batch.records(tp)) {
          int attempt = attempts.merge(tp + "@" + r.offset(), 1, Integer::sum);
          try {
            process(r, attempt);
            processed.incrementAndGet();
          } catch (RuntimeException e) {
            failedAttempts.incrementAndGet();
            if (attempt <= SEEK_BACK_RETRIES) {
              consumer.seek(tp, r.offset());
              break; // the rest of this partition comes again after the retried record
            }
          }
        }
      }
    }

    void process(ConsumerRecord<byte[], byte[]> record, int attempt) {
      try {
        check(record.value(), record.key());
        int failTimes = failTimes(record.value());
        if (attempt <= failTimes) {
          throw new IllegalStateException("flaky record");
        }
      } catch (IllegalStateException e) {
        throw new IllegalStateException(e.getMessage() + " at attempt " + attempt);
      }
    }

    /** N of a {@code fail-times=N;} value, or 0. */
    private static int failTimes(byte[] value) {
      String text = value == null ? "" : new String(value, StandardCharsets.ISO_8859_1);
      int end = text.indexOf(';');
      if (!text.startsWith("fail-times=") || end < 0) {
        return 0;
      }
      try {
        return Integer.parseInt(text.substring("fail-times=".length(), end));
      } catch (NumberFormatException e) {
        return 0;
      }
    }
  }

  /** Processes a record's value and key, never seeing the record. */
  static final class Orders {
    void handle(byte[] value, byte[] key) {
      check(value, key);
    }
  }
}
