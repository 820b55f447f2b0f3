package dev.weft.runtime.sql;

/** Character classes of the SQL dialects the {@link SqlLexer} reads. */
final class SqlChars {

  private SqlChars() {}

  static boolean isSpace(char c) {
    // Control characters count as blanks so that binary junk cannot glue tokens together.
    return c <= ' ' || c == '\u00a0' || Character.isWhitespace(c);
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isNameStart(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || c == '_'
        || (c >= 0x80 && Character.isLetter(c));
  }

  static boolean isNamePart(char c) {
    return isNameStart(c) || isDigit(c) || c == '$' || (c >= 0x80 && Character.isDigit(c));
  }

  static boolean isTagStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  static boolean isTagPart(char c) {
    return isTagStart(c) || isDigit(c);
  }
}
