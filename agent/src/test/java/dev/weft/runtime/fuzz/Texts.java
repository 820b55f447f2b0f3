package dev.weft.runtime.fuzz;

/** Small checks on text that the hostile-input properties share. */
public final class Texts {

  private Texts() {}

  /** Whether {@code s} holds half a surrogate pair: not valid UTF-16, so not valid UTF-8 either. */
  public static boolean hasLoneSurrogate(String s) {
    if (s == null) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return true;
      }
      if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A text of {@code length} chars or one more (a pair is never split) made of {@code parts},
   * picked by {@code seed}: cheaper for jqwik than a list of a few hundred generated parts.
   */
  public static String wide(long seed, int length, String... parts) {
    java.util.Random random = new java.util.Random(seed);
    StringBuilder out = new StringBuilder(length + 2);
    while (out.length() < length) {
      out.append(parts[random.nextInt(parts.length)]);
    }
    return out.toString();
  }

  /** {@code s} with everything outside printable ASCII as {@code \\uXXXX}, cut at 400 chars. */
  public static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 400; i++) {
      char c = s.charAt(i);
      if (c >= ' ' && c <= '~' && c != '\\') {
        out.append(c);
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return s.length() > 400 ? out + "... (" + s.length() + " chars)" : out.toString();
  }
}
