package dev.weft.runtime.dlq;

import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * What the dead-letter sender and the {@code dlq} command need from a Kafka cluster. The
 * implementation ({@code io.KafkaClientIo}) is compiled against kafka-clients and loaded next to
 * the application's copy by {@link KafkaIoLoader}; this side sees only JDK types.
 */
public interface KafkaIo extends AutoCloseable {

  /**
   * The record at {@code offset} of the partition, read as raw bytes, or null when the partition
   * no longer holds it (deleted by retention or compaction).
   *
   * @throws java.util.concurrent.TimeoutException when the broker does not answer in time
   */
  RawRecord fetch(String topic, int partition, long offset, String isolationLevel, long timeoutMs)
      throws Exception;

  /**
   * Reads back the wanted records of several partitions at once (one consumer, every partition
   * assigned together), filling in each {@link PartitionFetch}: what was found, and what can
   * never be read and why. Returns when every fetch is complete or at the deadline, with what it
   * has; an offset left neither found nor lost is to be retried.
   *
   * @throws java.util.concurrent.TimeoutException when the broker does not answer in time
   */
  void fetch(List<PartitionFetch> fetches, String isolationLevel, long timeoutMs) throws Exception;

  /** The cluster id the broker reports. */
  String clusterId(long timeoutMs) throws Exception;

  /** The number of partitions of {@code topic}, or 0 when it does not exist. */
  int partitions(String topic, long timeoutMs) throws Exception;

  /** Creates {@code topic} with the broker's default replication; one that exists is left alone. */
  void createTopic(String topic, int partitions, long timeoutMs) throws Exception;

  /**
   * Sends one record with the idempotent producer; the future completes with Kafka's
   * acknowledgement or fails with its error. {@code partition} and {@code timestamp} may be null.
   */
  Future<?> send(
      String topic,
      Integer partition,
      Long timestamp,
      byte[] key,
      byte[] value,
      List<String> headerKeys,
      List<byte[]> headerValues);

  /** Drops the producer (after a failed send): the next send starts a new one. */
  void resetProducer();

  /**
   * Reads {@code topic} from its beginning up to the end it had when the call started, in
   * partition order, handing each record to {@code sink}. Returns the number read.
   */
  long scan(String topic, Consumer<RawRecord> sink, long timeoutMs) throws Exception;

  /** The simple name of the class of {@code error} when it is one Kafka will never retry. */
  String fatalSendError(Throwable error);

  @Override
  void close();
}
