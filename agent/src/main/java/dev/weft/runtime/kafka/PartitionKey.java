package dev.weft.runtime.kafka;

/** A topic partition, as a map key. */
final class PartitionKey {
  final String topic;
  final int partition;

  PartitionKey(String topic, int partition) {
    this.topic = topic;
    this.partition = partition;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PartitionKey
        && ((PartitionKey) o).partition == partition
        && ((PartitionKey) o).topic.equals(topic);
  }

  @Override
  public int hashCode() {
    return topic.hashCode() * 31 + partition;
  }
}
