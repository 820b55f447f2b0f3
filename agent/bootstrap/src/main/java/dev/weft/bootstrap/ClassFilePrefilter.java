package dev.weft.bootstrap;

/**
 * Implemented by a type matcher that decides by what a class declares (its methods' parameter
 * types) rather than by its name. Weft asks it first, with the class file's bytes, for every
 * class being loaded; only a class it may match is parsed and handed to the matcher itself. It
 * must be fast and never throw.
 */
public interface ClassFilePrefilter {

  /** False when the class {@code internalName} ({@code a/b/C}) certainly does not match. */
  boolean mayMatch(String internalName, byte[] classFile);
}
