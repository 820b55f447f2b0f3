package dev.weft.bootstrap;

/**
 * What one poll of a message consumer tells the runtime, in one call at its entry
 * ({@link Operations#pollStarting}) and one at its exit ({@link Operations#polled}). The module
 * reads the consumer (its group, the records it returned, its own view of its partitions) with
 * its library's types and fills this in; the runtime reads it during the call and keeps nothing
 * of it but {@link #state}.
 *
 * <p>One instance per consumer, refilled in place at every poll: a consumer polls on one thread
 * at a time, and the arrays grow only when a poll reports more topics or partitions than any
 * before. Names no library type.
 */
public final class PollReport {

  /** The consumer that polls, for the call only (its identity: no reference is kept). */
  public Object consumer;

  /** The consumer's group id: "" without a group, null while it cannot be read yet. */
  public String group;

  /** At exit: the batch (a {@code ConsumerRecords}) the poll returned when it returned some, else null. */
  public Object records;

  /** At exit: how many records of {@code topics[i]} the poll returned, for i below this. */
  public int topicCount;

  public String[] topics = new String[2];
  public int[] topicRecords = new int[2];

  /**
   * The consumer's own view of its assigned partitions ({@code partitionTopics[i]},
   * {@code partitions[i]}, for i below this), or -1 when it was not read. At exit (while
   * {@link #partitionsWanted}), every assigned partition, with the end offset of the consumer's
   * last fetch of it (high watermark, or last stable offset for read_committed) and its position,
   * each -1 when the consumer does not know it. At entry, only while {@link #failuresWaiting}:
   * the positions.
   */
  public int partitionCount = -1;

  public String[] partitionTopics = new String[4];
  public int[] partitions = new int[4];
  public long[] endOffsets = new long[4];
  public long[] positions = new long[4];

  /**
   * Set by the runtime while failed records of this consumer wait for a verdict: then the poll's
   * entry reports the consumer's positions, before the poll can commit past them. Nothing else is
   * read at entry on the happy path.
   */
  public volatile boolean failuresWaiting;

  /**
   * Set by the runtime: whether a poll's exit should read the consumer's view of its partitions
   * (false when nothing uses it: metrics off).
   */
  public volatile boolean partitionsWanted = true;

  /** The runtime's own record of this consumer, kept here so that a poll needs no lookup. */
  public Object state;

  /** Starts a report: no topics, no partitions read. */
  public void clear() {
    topicCount = 0;
    partitionCount = -1;
    records = null;
  }

  /** Adds {@code count} records of {@code topic} to what the poll returned. */
  public void addRecords(String topic, int count) {
    for (int i = 0; i < topicCount; i++) {
      String t = topics[i];
      if (t == topic || t.equals(topic)) {
        topicRecords[i] += count;
        return;
      }
    }
    if (topicCount == topics.length) {
      topics = java.util.Arrays.copyOf(topics, topicCount * 2);
      topicRecords = java.util.Arrays.copyOf(topicRecords, topicCount * 2);
    }
    topics[topicCount] = topic;
    topicRecords[topicCount++] = count;
  }

  /** Starts the list of partitions: the consumer's view could be read. */
  public void partitionsRead() {
    partitionCount = 0;
  }

  /** Adds an assigned partition to the consumer's view. */
  public void addPartition(String topic, int partition, long endOffset, long position) {
    int n = partitionCount;
    if (n == partitionTopics.length) {
      partitionTopics = java.util.Arrays.copyOf(partitionTopics, n * 2);
      partitions = java.util.Arrays.copyOf(partitions, n * 2);
      endOffsets = java.util.Arrays.copyOf(endOffsets, n * 2);
      positions = java.util.Arrays.copyOf(positions, n * 2);
    }
    partitionTopics[n] = topic;
    partitions[n] = partition;
    endOffsets[n] = endOffset;
    positions[n] = position;
    partitionCount = n + 1;
  }
}
