package dev.weft.smoke.springkafka;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.util.backoff.FixedBackOff;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An ordinary Spring Kafka consumer: one {@code @KafkaListener} under Spring's default error
 * handler (DefaultErrorHandler: a failing record is retried 9 more times, then logged and
 * skipped). Nothing in it knows about Weft. Run with
 * {@code --server.port=<port> --app.bootstrap=<servers> --app.topic=<topic> --app.group=<group>}.
 *
 * <p>With {@code --app.record-listener=false --app.batch-listener=true} a batch listener takes
 * the topic instead: it goes through each poll's records and, at a failing one, throws Spring's
 * {@code BatchListenerFailedException} naming its index (Spring then commits the records before
 * it and retries from it).
 *
 * <p>A record fails when its value starts with {@code 0xEE}, or, for a null value (tombstone),
 * when its key starts with {@code 0xEE}. {@code GET /stats} answers
 * {@code processed=N failedAttempts=M}: N records handled successfully, M throws (retries
 * included).
 *
 * <p>A record whose value is the text {@code fail-times=N;...} fails its first N attempts (each
 * with the message {@code flaky record failed at attempt K}) and succeeds at attempt N+1;
 * {@code GET /attempts} lists the attempts made at each such record, one
 * {@code topic-partition@offset=K} line per record.
 *
 * <p>With {@code --app.own-dlt=true} the application publishes its own dead letters, the usual
 * Spring way: a {@code DefaultErrorHandler} with a {@code DeadLetterPublishingRecoverer} that
 * sends a record to {@code <topic>.app-dlt} after 3 attempts.
 */
@SpringBootApplication
@RestController
public class SpringKafkaService {

  private static final byte REJECT = (byte) 0xEE;

  private final AtomicLong processed = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();
  private final Map<String, Integer> flakyAttempts = new ConcurrentSkipListMap<>();

  public static void main(String[] args) {
    SpringApplication.run(SpringKafkaService.class, args);
  }

  @EventListener(ApplicationReadyEvent.class)
  public void ready(ApplicationReadyEvent event) {
    String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
    System.out.println("spring-kafka-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  /**
   * A record with a null value reaches Spring's messaging layer as {@code KafkaNull}; with
   * {@code required = false} spring-kafka's payload resolver hands the method {@code null}.
   */
  @KafkaListener(
      id = "records",
      idIsGroup = false,
      topics = "${app.topic}",
      autoStartup = "${app.record-listener:true}")
  public void onRecord(
      @Payload(required = false) byte[] value,
      @Header(name = KafkaHeaders.RECEIVED_KEY, required = false) byte[] key,
      @Header(KafkaHeaders.RECEIVED_TOPIC) String topic,
      @Header(KafkaHeaders.RECEIVED_PARTITION) int partition,
      @Header(KafkaHeaders.OFFSET) long offset) {
    int failTimes = failTimes(value);
    if (failTimes >= 0) {
      int attempt = flakyAttempts.merge(topic + "-" + partition + "@" + offset, 1, Integer::sum);
      if (attempt <= failTimes) {
        failedAttempts.incrementAndGet();
        throw new IllegalStateException("flaky record failed at attempt " + attempt);
      }
      processed.incrementAndGet();
      return;
    }
    if (rejects(value, key)) {
      failedAttempts.incrementAndGet();
      throw rejection(value);
    }
    processed.incrementAndGet();
  }

  @KafkaListener(
      id = "batches",
      idIsGroup = false,
      topics = "${app.topic}",
      batch = "true",
      autoStartup = "${app.batch-listener:false}")
  public void onBatch(List<ConsumerRecord<byte[], byte[]>> records) {
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<byte[], byte[]> r = records.get(i);
      if (rejects(r.value(), r.key())) {
        failedAttempts.incrementAndGet();
        throw new BatchListenerFailedException("rejected record in a batch", rejection(r.value()), i);
      }
      processed.incrementAndGet();
    }
  }

  /** N of a {@code fail-times=N;} value, or -1 for any other record. */
  private static int failTimes(byte[] value) {
    if (value == null || value.length < 12 || value[0] != 'f') {
      return -1;
    }
    String text = new String(value, StandardCharsets.ISO_8859_1);
    int end = text.indexOf(';');
    if (!text.startsWith("fail-times=") || end < 0) {
      return -1;
    }
    try {
      return Integer.parseInt(text.substring("fail-times=".length(), end));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean rejects(byte[] value, byte[] key) {
    return (value != null && value.length > 0 && value[0] == REJECT)
        || (value == null && key != null && key.length > 0 && key[0] == REJECT);
  }

  private static IllegalStateException rejection(byte[] value) {
    return new IllegalStateException(
        "rejected record: " + (value == null ? "null value" : value.length + " bytes"));
  }

  /**
   * The application's own dead-letter publishing ({@code --app.own-dlt=true}): Spring Boot gives
   * the single {@code CommonErrorHandler} bean to its listener container factory.
   */
  @Bean
  @ConditionalOnProperty(name = "app.own-dlt", havingValue = "true")
  public CommonErrorHandler ownDeadLetters(KafkaTemplate<Object, Object> template) {
    DeadLetterPublishingRecoverer recoverer =
        new DeadLetterPublishingRecoverer(
            template, (record, error) -> new TopicPartition(record.topic() + ".app-dlt", -1));
    return new DefaultErrorHandler(recoverer, new FixedBackOff(0L, 2L));
  }

  @GetMapping(value = "/attempts", produces = "text/plain")
  public String attempts() {
    return flakyAttempts.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n"));
  }

  @GetMapping(value = "/stats", produces = "text/plain")
  public String stats() {
    return "processed=" + processed.get() + " failedAttempts=" + failedAttempts.get();
  }
}
