package dev.weft.runtime.trace;

/** Where the export pipeline counts spans it could not deliver (weft_spans_dropped_total). */
public interface DroppedSpans {

  DroppedSpans NONE = (reason, count) -> {};

  /**
   * @param reason {@code queue_full} (spans ended faster than the backend takes them) or
   *     {@code export_failed} (the backend refused or could not be reached)
   */
  void dropped(String reason, long count);
}
