package dev.weft.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.runtime.fuzz.FuzzBudget;
import dev.weft.runtime.fuzz.Texts;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * Label values that clients control (methods, paths, hosts, topics) cannot add series beyond the
 * cardinality limit, cannot make a label value longer than its cap, and cannot make the guard
 * throw; every value past the limit is counted as an overflow.
 */
@AddLifecycleHook(FuzzBudget.class)
class LabelHostileInputTest {

  private static final Set<String> HTTP_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  @Property(tries = 2000)
  void aMethodOutsideTheHttpListFoldsToOther(@ForAll("methods") String method) {
    int index = HttpServerMetrics.methodIndex(method);
    assertTrue(index >= 0 && index < HttpServerMetrics.METHODS.length);
    String label = HttpServerMetrics.METHODS[index];
    assertEquals(method != null && HTTP_METHODS.contains(method) ? method : "_OTHER", label);
  }

  @Property(tries = 200)
  void theGuardAdmitsAtMostItsLimitAndCountsEveryOverflow(
      @ForAll @IntRange(min = 1, max = 30) int limit, @ForAll("labelSequences") List<String> values) {
    AtomicInteger overflows = new AtomicInteger();
    List<String> labels = new java.util.ArrayList<>();
    BoundedLabelMap<String> guard =
        new BoundedLabelMap<>(
            limit,
            label -> {
              labels.add(label);
              return label;
            },
            overflows::incrementAndGet);
    Set<String> admitted = new HashSet<>();
    int expectedOverflows = 0;
    for (String value : values) {
      String key = value == null ? "" : value;
      String entry = guard.get(value);
      if (admitted.contains(key) || admitted.size() < limit) {
        admitted.add(key);
        assertFalse(entry.equals(BoundedLabelMap.OTHER) && !key.equals(BoundedLabelMap.OTHER));
        assertSame(entry, guard.get(value), "admission is sticky");
      } else {
        assertEquals(BoundedLabelMap.OTHER, entry);
        expectedOverflows += 2; // the get above and the one below
        assertEquals(BoundedLabelMap.OTHER, guard.get(value));
      }
    }
    assertTrue(guard.size() <= limit, "entries " + guard.size());
    assertEquals(expectedOverflows, overflows.get());
    for (String label : labels) {
      assertTrue(label.length() <= BoundedLabelMap.MAX_VALUE_LENGTH, "label " + label.length());
    }
    for (String value : values) {
      if (value != null && !Texts.hasLoneSurrogate(value) && admitted.contains(value)) {
        String label = guard.get(value);
        assertFalse(Texts.hasLoneSurrogate(label), "label " + Texts.escape(label));
      }
    }
  }

  // ---- inputs that once failed ---------------------------------------------------------------

  @Example
  void aLabelCutAtItsCapKeepsWholeCharacters() {
    // Ended in half a surrogate pair: the cap at 256 chars fell between its two halves, and the
    // exposition wrote it as '?' (a path of emoji, a topic in CJK extension B).
    String value = "a" + "\ud83d\ude00".repeat(200);
    BoundedLabelMap<String> guard = new BoundedLabelMap<>(10, label -> label, () -> {});
    assertEquals(value.substring(0, 255), guard.get(value));
  }

  // ---- generators ----------------------------------------------------------------------------

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.oneOf(
        Arbitraries.of(
            "GET", "get", "Get", "POST", "PATCH", "PROPFIND", "MKCOL", "QUERY", "BREW", "", " GET",
            "GET ", "G\u0000ET", "\u0130GET", "_OTHER", "_other_"),
        Arbitraries.of(HTTP_METHODS),
        Arbitraries.strings().all().ofMaxLength(20),
        Arbitraries.strings().withCharRange('A', 'Z').ofMaxLength(8),
        Arbitraries.just(null));
  }

  /** Paths, hosts and topics: repeats, empties, nulls, long and wide values. */
  @Provide
  Arbitrary<List<String>> labelSequences() {
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of("/", "/a", "/a/{id}", "", "_other_", "orders", "h.example:8080"),
            Arbitraries.strings().all().ofMaxLength(40),
            Arbitraries.strings().withChars('a', '\u00e9', '/').ofMinLength(250).ofMaxLength(300),
            Arbitraries.longs()
                .map(seed -> Texts.wide(seed, 250, "a", "\ud83d\ude00", "\ud840\udc00", "/")),
            Arbitraries.just(null));
    return value.list().ofMaxSize(80);
  }
}
