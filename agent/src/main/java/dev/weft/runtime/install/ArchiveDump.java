package dev.weft.runtime.install;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

/**
 * Whether this JVM is writing a class-data archive as it runs: a JDK 25 AOT training run
 * ({@code -XX:AOTCacheOutput}, {@code -XX:AOTMode=record}) or a dynamic AppCDS dump
 * ({@code -XX:ArchiveClassesAtExit}). In such a run a core class of {@code java.lang} that an agent
 * has woven cannot be archived, and JDK 25 then crashes while writing the archive (it still lists
 * {@code java.lang.Thread} among the classes it must store), so Weft leaves {@code java.lang.*}
 * alone for that run. The archive is made for later runs, where Weft weaves as always.
 */
final class ArchiveDump {

  private ArchiveDump() {}

  static boolean inProgress(Instrumentation inst) {
    try {
      Module javaBase = Object.class.getModule();
      inst.redefineModule(
          javaBase,
          Set.of(),
          Map.of("jdk.internal.misc", Set.of(ArchiveDump.class.getModule())),
          Map.of(),
          Set.of(),
          Map.of());
      Class<?> cds = Class.forName("jdk.internal.misc.CDS");
      return (Boolean) cds.getMethod("isDumpingArchive").invoke(null);
    } catch (Throwable notThisJdk) {
      return false;
    }
  }
}
