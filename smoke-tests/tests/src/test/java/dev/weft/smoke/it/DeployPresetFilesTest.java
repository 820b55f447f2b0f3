package dev.weft.smoke.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * deploy/presets/NAME/ holds exactly what {@link DeployPresetFiles} generates from deploy/ and the
 * agent's naming presets (run with {@code -Dweft.deploy.presets.write=true} to regenerate), and
 * promtool accepts each preset's rules. DeployQueriesEndToEndTest runs them on a real Prometheus
 * against services that use the preset.
 */
class DeployPresetFilesTest {

  @Test
  void eachPresetsFilesAreGeneratedFromDeploy() throws IOException {
    if (Boolean.getBoolean("weft.deploy.presets.write")) {
      DeployPresetFiles.writeAll();
    }
    List<String> stale = new ArrayList<>();
    for (String preset : DeployPresetFiles.presets()) {
      for (Map.Entry<String, String> f : DeployPresetFiles.generate(preset).entrySet()) {
        Path file = DeployPresetFiles.dir(preset).resolve(f.getKey());
        if (!Files.isRegularFile(file)
            || !Files.readString(file, StandardCharsets.UTF_8).equals(f.getValue())) {
          stale.add(DeployMetricNamesTest.root().relativize(file).toString());
        }
      }
    }
    assertTrue(stale.isEmpty(), "not what deploy/ and the naming presets generate: " + stale
        + "; regenerate with mvn -B verify -pl smoke-tests/tests -Dtest=DeployPresetFilesTest"
        + " -Dweft.deploy.presets.write=true");
  }

  @Test
  void promtoolAcceptsEachPresetsRules() throws Exception {
    for (String preset : DeployPresetFiles.presets()) {
      Path dir = DeployPresetFiles.dir(preset).resolve("prometheus");
      Process p = new ProcessBuilder("promtool", "check", "rules",
              dir.resolve("weft-recording-rules.yml").toString(),
              dir.resolve("weft-alert-rules.yml").toString())
          .redirectErrorStream(true)
          .start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool check rules did not finish");
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.exitValue(), preset + ": promtool check rules:\n" + out);
    }
  }
}
