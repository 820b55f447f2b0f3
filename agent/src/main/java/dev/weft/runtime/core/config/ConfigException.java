package dev.weft.runtime.core.config;

/** A configuration value Weft cannot accept. The message is the whole line shown to the user. */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
