package dev.weft.runtime;

import dev.weft.bootstrap.WeftBridge;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.core.JsonLogLine;
import dev.weft.runtime.core.WeftLog;
import dev.weft.runtime.core.config.ConfigException;
import dev.weft.runtime.core.config.WeftConfig;
import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.install.Installer;
import dev.weft.runtime.install.LoadedModule;
import dev.weft.runtime.install.ModuleRegistry;
import dev.weft.runtime.kafka.FailedRecords;
import dev.weft.runtime.log.LogEnricher;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.metrics.push.MetricsPush;
import dev.weft.runtime.operation.Families;
import dev.weft.runtime.operation.OperationPipeline;
import dev.weft.runtime.trace.Tracing;
import dev.weft.runtime.trace.TracingStarter;
import io.opentelemetry.javaagent.extension.instrumentation.internal.AgentDistributionConfig;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.List;

/**
 * Starts Weft inside its own class loader: configuration, metrics, modules, then the /metrics
 * server. Whatever happens here, the application starts: every failure ends in one line on
 * standard error and Weft stepping aside.
 */
public final class AgentStarter {

  private AgentStarter() {}

  public static void start(Instrumentation inst, String agentArgs, File agentJar, boolean attached) {
    try {
      if (!WeftBridge.markInstalled()) {
        WeftLog.warn("Weft is already running in this JVM; this second start is ignored");
        return;
      }
      WeftConfig config;
      try {
        config = WeftConfig.load(agentArgs);
      } catch (ConfigException e) {
        WeftLog.error(e.getMessage());
        return;
      }
      WeftLog.setDebug(config.debug());
      if (config.logs().json) {
        WeftLog.setJson(
            new JsonLogLine(
                config.serviceName(),
                config.logs().traceIdKey,
                config.logs().spanIdKey,
                config.logs().traceFlagsKey));
      }
      for (String warning : config.warnings()) {
        WeftLog.warn(warning);
      }
      if (!config.enabled()) {
        WeftLog.info("Weft is switched off (weft.enabled=false)");
        return;
      }
      run(inst, config, attached);
    } catch (Throwable t) {
      WeftLog.error("Weft could not start and is off; the application runs without it: " + t, t);
    }
  }

  private static void run(Instrumentation inst, WeftConfig config, boolean attached) {
    run(inst, config, attached, null);
  }

  /** {@code inProcess}: null for the agent; in a test JVM, what the module tests choose. */
  static void run(
      Instrumentation inst, WeftConfig config, boolean attached, InProcessAgent inProcess) {
    long t0 = System.nanoTime();
    ClassLoader weftLoader = AgentStarter.class.getClassLoader();
    // Modules' defaultEnabled() reads this holder of the extension API.
    AgentDistributionConfig.set(AgentDistributionConfig.create());

    AgentErrors errors = new AgentErrors();
    MetricsRuntime metrics = null;
    if (config.metricsEnabled()) {
      metrics = new MetricsRuntime(config, AgentVersion.get(), errors);
    }
    Tracing tracing =
        inProcess == null
            ? TracingStarter.start(config, metrics, errors)
            : inProcess.tracing(config, errors);
    WeftBridge.install(errors);
    WeftBridge.install(new LogEnricher(tracing, config.logs(), config.serviceName(), errors));
    WeftBridge.install(tracing.contextBridge());
    OperationPipeline pipeline = new OperationPipeline(Families.all(), metrics, tracing, errors);
    WeftBridge.install(pipeline);
    DeadLetters deadLetters =
        config.dlq().enabled
            ? new DeadLetters(config.dlq(), metrics == null ? null : metrics.dlq(), errors)
            : null;
    WeftBridge.install(new FailedRecords(pipeline.messages("kafka"), deadLetters, errors));

    long t1 = System.nanoTime();
    List<LoadedModule> modules =
        ModuleRegistry.discover(weftLoader, config.extensions(), config.disabledModules());
    for (String unknown : ModuleRegistry.unknownNames(modules, config.disabledModules())) {
      WeftLog.warn("weft.modules.disabled names '" + unknown + "', which no module carries");
    }
    if (inProcess != null) {
      modules = inProcess.select(modules);
      // The runtime shares the test's class loader: that loader must not be ignored as Weft's own.
      weftLoader = inProcess.ownLoader();
    }
    long t2 = System.nanoTime();
    List<String> applied = Installer.install(inst, modules, errors, weftLoader, attached);
    long t3 = System.nanoTime();
    if (inProcess != null) {
      if (metrics != null) {
        metrics.startScheduler(); // as the background start does below, before any test runs
      }
      inProcess.started(metrics, applied);
      return;
    }

    WeftLog.debug(
        String.format(
            "start-up on the application's thread: metrics %d ms, modules %d ms, weaving %d ms",
            (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000));

    // Its shutdown hook now, so that even a JVM that exits at once pushes its last counts.
    // Checked here so that without a push the class is not even loaded on the start-up path.
    MetricsPush push =
        metrics == null || !config.metricsPush().pushing()
            ? null
            : MetricsPush.create(
                config, AgentVersion.get(), metrics.exposedRegistry()::scrape, errors,
                Tracing::unrecorded);

    // What is not needed before the application's first class loads (JVM metrics read MXBeans,
    // the /metrics server binds a socket) runs on a daemon thread, in parallel with the
    // application's own start-up.
    MetricsRuntime started = metrics;
    Thread background =
        new Thread(
            () -> {
              try {
                // Threads started from here (the /metrics server's, the metrics client's
                // scheduler) inherit this loader, never one of the application's.
                Thread.currentThread().setContextClassLoader(AgentStarter.class.getClassLoader());
                String url = null;
                if (started != null) {
                  started.startScheduler();
                  started.registerJvmMetrics();
                  if (config.metricsPush().serverEnabled) {
                    url = started.startServer();
                  }
                }
                if (push != null) {
                  push.start();
                }
                WeftLog.info(
                    "Weft "
                        + AgentVersion.get()
                        + (attached ? " attached" : " started")
                        + " for service '"
                        + config.serviceName()
                        + "': metrics "
                        + (url == null ? "not served" : "at " + url)
                        + (push == null ? "" : ", " + push.describe())
                        + "; traces "
                        + TracingStarter.describe(config)
                        + "; modules applied: "
                        + (applied.isEmpty() ? "none" : String.join(", ", applied)));
              } catch (Throwable t) {
                errors.internalFailure("agent", "starting the /metrics server", t);
              }
            },
            "weft-start");
    background.setDaemon(true);
    background.start();
  }
}
