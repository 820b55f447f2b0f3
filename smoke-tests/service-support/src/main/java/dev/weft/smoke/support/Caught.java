package dev.weft.smoke.support;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exceptions a run of commands expected and caught, per command: the simple class name, the
 * same for every catch, or MIXED. Shown as {@code INCR=Name,LPUSH=Name}.
 */
public final class Caught {

  private final Map<String, String> names = new LinkedHashMap<>();

  public Caught(String... commands) {
    for (String c : commands) {
      names.put(c, "");
    }
  }

  /** Notes {@code e} for {@code command} if it was expected; rethrows it otherwise. */
  public void note(String command, boolean expected, Exception e) throws Exception {
    if (!expected) {
      throw e;
    }
    String name = e.getClass().getSimpleName();
    String seen = names.getOrDefault(command, "");
    names.put(command, seen.isEmpty() || seen.equals(name) ? name : "MIXED");
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    names.forEach((c, e) -> out.append(out.length() == 0 ? "" : ",").append(c).append('=').append(e));
    return out.toString();
  }
}
