package dev.weft.testing;

import dev.weft.runtime.InProcessAgent;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.lang.instrument.Instrumentation;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Installs Weft in the test JVM, with only the named modules woven, and reads what it records.
 *
 * <pre>{@code
 * @RegisterExtension static final WeftAgentExtension weft = WeftAgentExtension.modules("jdbc");
 *
 * assertEquals(3, weft.counter("db_client_operations_total", "db_system", "postgresql", ...));
 * }</pre>
 *
 * <p>Weft is installed once per JVM, before the first test that registers the extension: Byte
 * Buddy attaches to the JVM, the bridge goes on the bootstrap class path, and the runtime starts
 * from the class path (unshaded) with spans handed to memory as they end. Each test then reads
 * its own effect: counters and histogram counts are what moved since the test began, spans are
 * those that ended since it began.
 *
 * <p>Surefire needs {@code -Djdk.attach.allowAttachUnsafe=true} (a JVM attaches to itself) and, on
 * JDK 21 and later, {@code -XX:+EnableDynamicAgentLoading}; extensions/pom.xml sets both.
 */
public final class WeftAgentExtension implements BeforeAllCallback, BeforeEachCallback {

  private static final long WAIT_MILLIS = 10_000;

  private final Set<String> modules;
  private final Map<String, String> settings = new LinkedHashMap<>();
  private MetricValues atStart;

  private WeftAgentExtension(Set<String> modules) {
    this.modules = modules;
    settings.put("weft.service.name", "weft-module-test");
    settings.put("otel.traces.sampler", "always_on");
    settings.put("weft.metrics.jvm.enabled", "false");
  }

  /** Weft with exactly these modules woven (their names, as in weft.modules.disabled). */
  public static WeftAgentExtension modules(String... names) {
    if (names.length == 0) {
      throw new IllegalArgumentException("name at least one module");
    }
    return new WeftAgentExtension(new LinkedHashSet<>(Arrays.asList(names)));
  }

  /** A Weft setting ({@code weft.*} or {@code otel.*}), as a system property would give it. */
  public WeftAgentExtension with(String key, String value) {
    settings.put(key, value);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Installed.ensure(modules, settings);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Installed installed = Installed.ensure(modules, settings);
    installed.spans.clear();
    atStart = installed.read();
  }

  /**
   * How much the counter with exactly these labels moved since the test began.
   *
   * @param name as exposed, with {@code _total}
   * @param labels name, value, name, value, ...: every label of the series, no more, no fewer
   */
  public double counter(String name, String... labels) {
    return delta(name, labels);
  }

  /** How many observations the histogram with exactly these labels took since the test began. */
  public long histogramCount(String name, String... labels) {
    return (long) delta(name, labels);
  }

  /** The gauge's current value (0 when the series does not exist). */
  public double gauge(String name, String... labels) {
    return Installed.get().read().get(name, MetricValues.labels(labels));
  }

  /** Whether a series with exactly these labels exists now. */
  public boolean hasSeries(String name, String... labels) {
    return Installed.get().read().has(name, MetricValues.labels(labels));
  }

  /**
   * Every series of the metric that moved since the test began (counters: by how much;
   * histograms: how many observations), by its exact labels.
   */
  public Map<Map<String, String>, Double> changedSeries(String name) {
    Map<Map<String, String>, Double> changed = new LinkedHashMap<>();
    for (Map.Entry<Map<String, String>, Double> s : Installed.get().read().series(name).entrySet()) {
      double moved = s.getValue() - atStart().get(name, s.getKey());
      if (moved != 0) {
        changed.put(s.getKey(), moved);
      }
    }
    return changed;
  }

  /**
   * Waits (up to 10 s) until the counter has moved by at least {@code expected}, for what is
   * recorded on another thread after the test sees its result (a server's request ends after its
   * response is sent); returns how much it moved, which the test compares exactly.
   */
  public double awaitCounter(String name, double expected, String... labels)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MILLIS;
    double moved = delta(name, labels);
    while (moved < expected && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
      moved = delta(name, labels);
    }
    return moved;
  }

  /**
   * As {@link #awaitCounter}, for a histogram's count. A call recorded on another thread moves
   * its counter and then its histogram: a test that reads both waits for the histogram.
   */
  public long awaitHistogramCount(String name, long expected, String... labels)
      throws InterruptedException {
    return (long) awaitCounter(name, expected, labels);
  }

  /** The spans that ended since the test began, in the order they ended. */
  public List<SpanData> spans() {
    return Installed.get().spans.all();
  }

  /** Waits (up to 10 s) until at least {@code count} spans have ended; returns them all. */
  public List<SpanData> awaitSpans(int count) throws InterruptedException {
    return Installed.get().spans.await(count, WAIT_MILLIS);
  }

  /** The modules woven in this JVM. */
  public List<String> appliedModules() {
    return Installed.get().agent.appliedModules();
  }

  private double delta(String name, String... labels) {
    Map<String, String> exact = MetricValues.labels(labels);
    return Installed.get().read().get(name, exact) - atStart().get(name, exact);
  }

  private MetricValues atStart() {
    if (atStart == null) {
      throw new IllegalStateException(
          "register the extension in a static field with @RegisterExtension");
    }
    return atStart;
  }

  /** Weft as installed in this JVM: once, with one set of modules. */
  private static final class Installed {
    private static Installed instance;

    final Set<String> modules;
    final CapturedSpans spans = new CapturedSpans();
    final InProcessAgent agent;

    private Installed(Set<String> modules, Map<String, String> settings) throws Exception {
      this.modules = modules;
      Instrumentation inst = ByteBuddyAgent.install();
      BridgeOnBootstrapPath.append(inst);
      Properties properties = new Properties();
      properties.putAll(settings);
      this.agent = InProcessAgent.start(inst, properties, modules, spans);
    }

    static synchronized Installed ensure(Set<String> modules, Map<String, String> settings) {
      if (instance == null) {
        try {
          instance = new Installed(modules, settings);
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException("Weft could not be installed in the test JVM", e);
        }
      } else if (!instance.modules.equals(modules)) {
        throw new IllegalStateException(
            "Weft is installed in this JVM with modules "
                + instance.modules
                + "; a test that needs "
                + modules
                + " must run in a JVM of its own (another surefire execution)");
      }
      return instance;
    }

    static synchronized Installed get() {
      if (instance == null) {
        throw new IllegalStateException("Weft is not installed: register WeftAgentExtension");
      }
      return instance;
    }

    MetricValues read() {
      return MetricValues.read(agent.registry());
    }
  }
}
