package dev.weft.runtime.dlq;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

/**
 * One failed record on its way to its dead-letter topic, as kept in the spool: where it came
 * from, the headers describing the failure, and, once read back from the broker, the record's
 * own bytes. No connection settings are kept (they may hold passwords): only a key naming the
 * cluster, matched against the consumers of the running process.
 */
public final class DlqEntry {

  private static final int MAGIC = 0x57444c51; // "WDLQ"
  /** 1: the first format; 2 adds the cluster id and the reason an entry was set aside. */
  private static final int VERSION = 2;

  public final long seq;
  public final String clusterKey;
  public final String bootstrap;
  public final String group;
  public final String topic;
  public final int partition;
  public final long offset;
  public final String dlqTopic;
  public final String isolationLevel;
  public final List<String> failureKeys;
  public final List<byte[]> failureValues;
  /** The Kafka cluster id the record was read from, when known at the failure; else null. */
  public final String clusterId;
  /** Why the entry can never be delivered (quarantined entries only), else null. */
  public final String lostReason;
  volatile RawRecord record; // null until read back
  long segment; // the spool segment holding it
  volatile boolean counted; // counted as spooled by this process
  volatile long createdNanos = System.nanoTime(); // when this process wrote or read it
  int size; // bytes on disk

  DlqEntry(
      long seq,
      String clusterKey,
      String bootstrap,
      String group,
      String topic,
      int partition,
      long offset,
      String dlqTopic,
      String isolationLevel,
      List<String> failureKeys,
      List<byte[]> failureValues,
      String clusterId,
      String lostReason,
      RawRecord record) {
    this.clusterId = clusterId;
    this.lostReason = lostReason;
    this.seq = seq;
    this.clusterKey = clusterKey;
    this.bootstrap = bootstrap;
    this.group = group;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.dlqTopic = dlqTopic;
    this.isolationLevel = isolationLevel;
    this.failureKeys = Collections.unmodifiableList(new ArrayList<>(failureKeys));
    this.failureValues = Collections.unmodifiableList(new ArrayList<>(failureValues));
    this.record = record;
  }

  /**
   * The record this entry is about, across restarts: cluster, consumer group, topic, partition,
   * offset.
   */
  String recordKey() {
    return recordKey(clusterKey, group, topic, partition, offset);
  }

  static String recordKey(String cluster, String group, String topic, int partition, long offset) {
    return cluster + '\u0000' + group + '\u0000' + topic + '\u0000' + partition + '\u0000' + offset;
  }

  String describe() {
    return topic + "-" + partition + "@" + offset + " (group '" + group + "') -> " + dlqTopic;
  }

  /** This entry, set aside for {@code reason}. */
  DlqEntry withLostReason(String reason) {
    return new DlqEntry(seq, clusterKey, bootstrap, group, topic, partition, offset, dlqTopic,
        isolationLevel, failureKeys, failureValues, clusterId, reason, record);
  }

  byte[] encode() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    out.writeLong(seq);
    text(out, clusterKey);
    text(out, bootstrap);
    text(out, group);
    text(out, topic);
    out.writeInt(partition);
    out.writeLong(offset);
    text(out, dlqTopic);
    text(out, isolationLevel);
    headers(out, failureKeys, failureValues);
    text(out, clusterId);
    text(out, lostReason);
    RawRecord r = record;
    out.writeBoolean(r != null);
    if (r != null) {
      out.writeLong(r.timestamp);
      text(out, r.timestampType);
      blob(out, r.key);
      blob(out, r.value);
      headers(out, r.headerKeys, r.headerValues);
    }
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(bytes.toByteArray());
    out.writeLong(crc.getValue());
    out.flush();
    return bytes.toByteArray();
  }

  static DlqEntry decode(byte[] data) throws IOException {
    if (data.length < 16) {
      throw new IOException("truncated");
    }
    CRC32 crc = new CRC32();
    crc.update(data, 0, data.length - 8);
    long stored = 0;
    for (int i = data.length - 8; i < data.length; i++) {
      stored = (stored << 8) | (data[i] & 0xff);
    }
    if (stored != crc.getValue()) {
      throw new IOException("checksum mismatch");
    }
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data, 0, data.length - 8));
    if (in.readInt() != MAGIC) {
      throw new IOException("not a Weft dead-letter entry");
    }
    int version = in.readInt();
    if (version < 1 || version > VERSION) {
      throw new IOException("entry version " + version + ", this Weft reads 1 to " + VERSION);
    }
    long seq = in.readLong();
    String clusterKey = text(in);
    String bootstrap = text(in);
    String group = text(in);
    String topic = text(in);
    int partition = in.readInt();
    long offset = in.readLong();
    String dlqTopic = text(in);
    String isolation = text(in);
    List<String> fk = new ArrayList<>();
    List<byte[]> fv = new ArrayList<>();
    headers(in, fk, fv);
    String clusterId = version >= 2 ? text(in) : null;
    String lostReason = version >= 2 ? text(in) : null;
    RawRecord record = null;
    if (in.readBoolean()) {
      long timestamp = in.readLong();
      String type = text(in);
      byte[] key = blob(in);
      byte[] value = blob(in);
      List<String> hk = new ArrayList<>();
      List<byte[]> hv = new ArrayList<>();
      headers(in, hk, hv);
      record = new RawRecord(topic, partition, offset, timestamp, type, key, value, hk, hv);
    }
    DlqEntry e =
        new DlqEntry(
            seq, clusterKey, bootstrap, group, topic, partition, offset, dlqTopic, isolation, fk, fv,
            clusterId, lostReason, record);
    e.size = data.length;
    return e;
  }

  private static void headers(DataOutputStream out, List<String> keys, List<byte[]> values)
      throws IOException {
    out.writeInt(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      text(out, keys.get(i));
      blob(out, values.get(i));
    }
  }

  private static void headers(DataInputStream in, List<String> keys, List<byte[]> values)
      throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1_000_000) {
      throw new IOException("bad header count " + n);
    }
    for (int i = 0; i < n; i++) {
      keys.add(text(in));
      values.add(blob(in));
    }
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    blob(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
  }

  private static String text(DataInputStream in) throws IOException {
    byte[] b = blob(in);
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static void blob(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(b.length);
      out.write(b);
    }
  }

  private static byte[] blob(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < -1 || n > 256 * 1024 * 1024) {
      throw new IOException("bad length " + n);
    }
    if (n == -1) {
      return null;
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
