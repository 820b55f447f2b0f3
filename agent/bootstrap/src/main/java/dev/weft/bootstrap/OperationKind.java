package dev.weft.bootstrap;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The name of one kind of operation that modules report through {@link Operations} (one command
 * sent to a key-value store, say). A module only names the kind; the runtime describes it once
 * (which counter, histogram and span it feeds) in its list of families. Instances are canonical
 * per name, so helpers defined in many class loaders, and several modules of one family, share
 * one instance and the runtime finds its description in one field read.
 */
public final class OperationKind {

  private static final ConcurrentHashMap<String, OperationKind> KINDS = new ConcurrentHashMap<>();

  private final String name;
  private volatile Object description;

  private OperationKind(String name) {
    this.name = name;
  }

  /** The one instance for {@code name}. */
  public static OperationKind named(String name) {
    OperationKind kind = KINDS.get(name);
    return kind != null ? kind : KINDS.computeIfAbsent(name, OperationKind::new);
  }

  public String name() {
    return name;
  }

  /** What the runtime made of this kind, or null while no runtime has described it. */
  public Object description() {
    return description;
  }

  /** For the runtime, when it registers the families it knows. */
  public void describe(Object description) {
    this.description = description;
  }

  @Override
  public String toString() {
    return name;
  }
}
