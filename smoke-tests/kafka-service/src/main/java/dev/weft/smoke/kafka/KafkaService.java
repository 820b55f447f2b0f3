package dev.weft.smoke.kafka;

import com.sun.net.httpserver.HttpServer;
import dev.weft.smoke.support.SmokeHttp;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A Kafka producer or consumer service, against the broker the tests start:
 *
 * <pre>
 * java -cp kafka-service.jar:&lt;kafka-clients&gt; dev.weft.smoke.kafka.KafkaService \
 *     --role producer|consumer --port P --bootstrap HOST:PORT [--topic T --group G --protocol classic|consumer]
 *
 * producer:
 *   GET /produce?topic=T&amp;n=N[&amp;traceparent=V][&amp;maxBlockMs=M]
 *                               sends N records (acks=all; max.block.ms M, default 60000:
 *                               1000 makes a topic that does not exist fail fast), each with a
 *                               callback (and, if given, its own traceparent header V), waits
 *                               for every callback; answers
 *                               sent=N acked=A failed=F errors=[simple names]
 * consumer (subscribed to T in group G, one poll loop thread, commitSync after each batch):
 *   GET /stats       received=N (records the loop iterated over)
 *   GET /assignment  the number of partitions assigned
 *   GET /pause       pauses every assigned partition and polls for 1.5 s (in-flight fetches
 *                    drain); answers "paused"
 *   GET /step        resumes, polls (committing after each poll) until records of every
 *                    assigned partition came (10 s at most), pauses again; answers stepped=M
 *   GET /resume      resumes the loop
 * </pre>
 */
public final class KafkaService {

  public static void main(String[] args) throws Exception {
    Map<String, String> options = SmokeHttp.options(args);
    int port = Integer.parseInt(options.get("port"));
    String bootstrap = options.get("bootstrap");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    String role = options.get("role");
    if ("producer".equals(role)) {
      Producer producer = new Producer(bootstrap);
      server.createContext("/produce", SmokeHttp.handler(producer::produce));
    } else if ("consumer".equals(role)) {
      Consumer consumer =
          new Consumer(bootstrap, options.get("topic"), options.get("group"), options.get("protocol"));
      server.createContext("/stats", SmokeHttp.handler(q -> "received=" + consumer.received.get()));
      server.createContext("/assignment",
          SmokeHttp.handler(q -> consumer.call(c -> Integer.toString(c.assignment().size()))));
      server.createContext("/pause", SmokeHttp.handler(q -> consumer.call(consumer::pause)));
      server.createContext("/step", SmokeHttp.handler(q -> consumer.call(consumer::step)));
      server.createContext("/resume", SmokeHttp.handler(q -> consumer.call(consumer::resume)));
      Thread loop = new Thread(consumer::run, "consumer-loop");
      loop.setDaemon(true);
      loop.start();
    } else {
      throw new IllegalArgumentException("--role must be producer or consumer: " + role);
    }
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
    System.out.println("kafka-service " + role + " listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  static final class Producer {
    private final String bootstrap;
    /**
     * One producer per max.block.ms: a short one makes a send to a topic that does not exist fail
     * after a second, and only those sends get it, so that a busy machine's slow metadata answer
     * never fails a send to a real topic.
     */
    private final Map<String, KafkaProducer<String, String>> producers =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    Producer(String bootstrap) {
      this.bootstrap = bootstrap;
      producer("60000");
    }

    private KafkaProducer<String, String> producer(String maxBlockMs) {
      return producers.computeIfAbsent(
          maxBlockMs,
          ms -> {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("acks", "all");
            p.put("linger.ms", "5");
            p.put("max.block.ms", Long.toString(Long.parseLong(ms)));
            p.put("key.serializer", StringSerializer.class.getName());
            p.put("value.serializer", StringSerializer.class.getName());
            return new KafkaProducer<>(p);
          });
    }

    String produce(Map<String, String> query) throws Exception {
      KafkaProducer<String, String> producer = producer(query.getOrDefault("maxBlockMs", "60000"));
      String topic = query.get("topic");
      int n = Integer.parseInt(query.get("n"));
      AtomicInteger acked = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      Set<String> errors = Collections.synchronizedSet(new TreeSet<>());
      CountDownLatch done = new CountDownLatch(n);
      for (int i = 0; i < n; i++) {
        long id = sequence.incrementAndGet();
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, "k" + id, "order-" + id);
        String own = query.get("traceparent");
        if (own != null) {
          record.headers().add("traceparent", own.getBytes(StandardCharsets.US_ASCII));
        }
        producer.send(record, (metadata, error) -> {
          if (error == null) {
            acked.incrementAndGet();
          } else {
            failed.incrementAndGet();
            errors.add(error.getClass().getSimpleName());
          }
          done.countDown();
        });
      }
      if (!done.await(60, TimeUnit.SECONDS)) {
        return "timed out: acked=" + acked + " failed=" + failed;
      }
      return "sent=" + n + " acked=" + acked + " failed=" + failed + " errors=" + errors;
    }
  }

  static final class Consumer {
    final AtomicLong received = new AtomicLong();
    private final KafkaConsumer<String, String> consumer;
    private final BlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private volatile boolean paused;

    Consumer(String bootstrap, String topic, String group, String protocol) {
      Properties p = new Properties();
      p.put("bootstrap.servers", bootstrap);
      p.put("group.id", group);
      p.put("auto.offset.reset", "earliest");
      p.put("enable.auto.commit", "false");
      // Every record of a fetch is handed over by the poll that reads the fetch, and a fetch
      // brings a little of each partition: after one poll, the consumer has seen every
      // partition's end (see /step).
      p.put("max.poll.records", "100000");
      p.put("max.partition.fetch.bytes", "1024");
      p.put("key.deserializer", StringDeserializer.class.getName());
      p.put("value.deserializer", StringDeserializer.class.getName());
      if (protocol != null && !protocol.equals("classic")) {
        p.put("group.protocol", protocol);
      }
      consumer = new KafkaConsumer<>(p);
      consumer.subscribe(Collections.singletonList(topic));
    }

    /** Runs {@code action} on the poll loop's thread (the consumer is single-threaded). */
    String call(Function<KafkaConsumer<String, String>, String> action) throws Exception {
      CompletableFuture<String> result = new CompletableFuture<>();
      commands.add(() -> {
        try {
          result.complete(action.apply(consumer));
        } catch (RuntimeException e) {
          result.completeExceptionally(e);
        }
      });
      return result.get(60, TimeUnit.SECONDS);
    }

    void run() {
      while (true) {
        Runnable command;
        while ((command = commands.poll()) != null) {
          command.run();
        }
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(paused ? 50 : 100));
        process(records);
      }
    }

    private int process(ConsumerRecords<String, String> records) {
      int n = 0;
      for (ConsumerRecord<String, String> record : records) {
        if (record.value() != null) {
          n++;
        }
      }
      received.addAndGet(n);
      if (n > 0) {
        consumer.commitSync();
      }
      return n;
    }

    String pause(KafkaConsumer<String, String> c) {
      c.pause(c.assignment());
      paused = true;
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      while (System.nanoTime() < end) {
        process(c.poll(Duration.ofMillis(100)));
      }
      return "paused";
    }

    String step(KafkaConsumer<String, String> c) {
      Set<TopicPartition> assigned = c.assignment();
      c.resume(assigned);
      Set<TopicPartition> seen = new HashSet<>();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int n = 0;
      // Until records of every partition came: then every partition's end is one the consumer
      // read after the records were produced (the classic consumer gets there in one poll; the
      // new-protocol consumer may hand over one partition's fetch per poll).
      while (!seen.containsAll(assigned) && System.nanoTime() < end) {
        ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(200));
        seen.addAll(records.partitions());
        n += process(records);
      }
      c.pause(assigned);
      return "stepped=" + n;
    }

    String resume(KafkaConsumer<String, String> c) {
      c.resume(c.assignment());
      paused = false;
      return "resumed";
    }
  }
}
