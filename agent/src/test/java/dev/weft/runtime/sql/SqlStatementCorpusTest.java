package dev.weft.runtime.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parser keeps giving, for about ten thousand statements, exactly what it gave before the
 * scanner and the summariser became separate classes. {@code sql-corpus.tsv} holds, per line, the
 * dialect ({@code S}: standard, {@code D}: double-quoted strings), the statement, the operation,
 * the table and the sanitized text, as the single-class parser produced them. The statements are
 * the literals of {@link SqlStatementParserTest} and variations of each (lower case, comments,
 * EXPLAIN and WITH around it, quotes swapped, backslashes, cut in half), plus a few long ones.
 * Changed on purpose since: {@code #} starts a comment in the MySQL dialect ({@code D}), and in
 * the standard dialect text that both backslash readings close is shown only up to where they
 * part ({@link SqlHostileInputTest}).
 */
class SqlStatementCorpusTest {

  @Test
  void everyStatementOfTheCorpusGivesWhatItGaveBefore() throws IOException {
    List<String> differences = new ArrayList<>();
    int cases = 0;
    try (InputStream in = getClass().getResourceAsStream("sql-corpus.tsv");
        BufferedReader lines =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        String[] f = line.split("\t", -1);
        assertEquals(5, f.length, line);
        String sql = unescape(f[1]);
        SqlStatement got = SqlStatementParser.parse(sql, f[0].equals("D"));
        cases++;
        if (!got.operation().equals(unescape(f[2]))
            || !got.table().equals(unescape(f[3]))
            || !got.sanitized().equals(unescape(f[4]))) {
          differences.add(
              line
                  + "\n   now: "
                  + got.operation()
                  + " | "
                  + got.table()
                  + " | "
                  + got.sanitized());
        }
      }
    }
    assertTrue(cases > 10_000, "corpus read: " + cases);
    assertEquals(
        List.of(),
        differences.subList(0, Math.min(20, differences.size())),
        differences.size() + " of " + cases + " statements changed");
  }

  /** The corpus keeps one statement per line: {@code \\} and {@code \\uXXXX} stand for the rest. */
  private static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && s.charAt(i + 1) == 'u') {
        b.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
        i += 5;
      } else if (c == '\\') {
        b.append(s.charAt(++i));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
