package dev.weft.runtime;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.runtime.core.config.ConfigException;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.install.LoadedModule;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.trace.Tracing;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Weft started inside a test JVM, for the in-process module tests (weft-testing): the runtime as
 * the test class path holds it (unshaded), only the named modules woven, every span handed to the
 * test's exporter as it ends, metrics left in the registry for the test to read. No /metrics
 * server, no JVM metrics, no export thread. The one entry point the test harness calls.
 *
 * <p>The bridge ({@code dev.weft.bootstrap}) must be on the bootstrap class path before anything
 * loads it; the harness sees to that before it calls {@link #start}.
 */
public final class InProcessAgent {

  private final Set<String> moduleNames;
  private final SpanProcessor spans;
  // Stands for "Weft's own class loader" in the installer: the runtime shares the test's loader,
  // which holds the libraries under test and so must not be ignored.
  private final ClassLoader ownLoader = new ClassLoader(null) {};
  private PrometheusRegistry registry;
  private List<String> applied = Collections.emptyList();

  private InProcessAgent(Set<String> moduleNames, SpanProcessor spans) {
    this.moduleNames = moduleNames;
    this.spans = spans;
  }

  /**
   * Starts Weft once in this JVM.
   *
   * @param settings Weft's settings ({@code weft.*}, {@code otel.*}), as system properties would
   *     give them; the JVM's own system properties and environment are not read
   * @param modules names of the modules to weave ({@code jdbc}, {@code logback}, ...); empty for
   *     every module on the class path
   * @param spans receives every sampled span, on the thread that starts or ends it
   */
  public static InProcessAgent start(
      Instrumentation inst, Properties settings, Set<String> modules, SpanProcessor spans) {
    if (!WeftBridge.markInstalled()) {
      throw new IllegalStateException("Weft is already installed in this JVM");
    }
    WeftConfig config;
    try {
      config = WeftConfig.load(null, settings, Collections.emptyMap());
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    WeftLog.setDebug(config.debug());
    InProcessAgent agent = new InProcessAgent(new LinkedHashSet<>(modules), spans);
    AgentStarter.run(inst, config, false, agent);
    if (agent.registry == null) {
      throw new IllegalStateException("Weft started without metrics (weft.metrics.enabled=false)");
    }
    return agent;
  }

  /** Weft's Prometheus registry, as /metrics would serve it. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** The modules woven, by name. */
  public List<String> appliedModules() {
    return applied;
  }

  /** The test's span processor, or tracing off as the agent has it when the settings say so. */
  Tracing tracing(WeftConfig config, AgentErrors errors) {
    if (!config.tracing().enabled()) {
      return Tracing.disabled();
    }
    if (!config.tracing().exporting()) {
      return Tracing.passThrough(errors);
    }
    return Tracing.withProcessor(config, spans, errors);
  }

  List<LoadedModule> select(List<LoadedModule> found) {
    if (moduleNames.isEmpty()) {
      return found;
    }
    List<LoadedModule> selected = new ArrayList<>();
    Set<String> available = new LinkedHashSet<>();
    for (LoadedModule m : found) {
      available.add(m.name());
      if (moduleNames.contains(m.name())) {
        selected.add(m);
      }
    }
    Set<String> missing = new LinkedHashSet<>(moduleNames);
    missing.removeAll(available);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "no module named " + missing + " on the class path; found " + available);
    }
    return selected;
  }

  ClassLoader ownLoader() {
    return ownLoader;
  }

  void started(MetricsRuntime metrics, List<String> appliedModules) {
    Set<String> refused = new LinkedHashSet<>(moduleNames);
    refused.removeAll(appliedModules);
    if (!refused.isEmpty()) {
      throw new IllegalStateException("modules " + refused + " were not applied (see Weft's log)");
    }
    this.registry = metrics == null ? null : metrics.registry();
    this.applied = Collections.unmodifiableList(new ArrayList<>(appliedModules));
  }
}
