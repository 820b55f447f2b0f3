package dev.weft.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a service JVM holds, read from outside with {@code jcmd}: heap after a full GC, live instances. */
final class HeapProbe {

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  private HeapProbe() {}

  /** Heap in use right after a full collection ({@code GC.run}, then {@code GC.heap_info}), in bytes. */
  static long usedAfterFullGc(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher used = USED.matcher(info);
    if (!used.find()) {
      throw new IllegalStateException("no 'used' figure in GC.heap_info:\n" + info);
    }
    return Long.parseLong(used.group(1)) * 1024;
  }

  /** Live instances of exactly {@code className} ({@code GC.class_histogram} collects first). */
  static long liveInstances(long pid, String className) throws IOException, InterruptedException {
    for (String line : jcmd(pid, "GC.class_histogram").split("\n")) {
      String[] columns = line.trim().split("\\s+");
      if (columns.length >= 4 && columns[3].equals(className)) {
        return Long.parseLong(columns[1]);
      }
    }
    return 0;
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process jcmd =
        new ProcessBuilder(
                java.nio.file.Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                command)
            .redirectErrorStream(true)
            .start();
    byte[] out = jcmd.getInputStream().readAllBytes();
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      throw new IllegalStateException(
          "jcmd " + pid + " " + command + " failed:\n" + new String(out, StandardCharsets.UTF_8));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
