package dev.weft.runtime.metrics;

import dev.weft.runtime.core.AgentErrors;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Connection pool gauges, read from each pool at scrape time (so they are exactly what the pool
 * reports at that moment), and the time the application waits for a connection:
 *
 * <pre>
 * db_client_connections_active{pool}    connections lent to the application
 * db_client_connections_idle{pool}      connections waiting in the pool
 * db_client_connections_pending{pool}   threads waiting for a connection
 * db_client_connections_max{pool}       the pool's maximum size
 * db_client_connection_acquire_duration_seconds{pool,status}   time to get a connection
 * </pre>
 *
 * HikariCP pools are read through their public {@code HikariPoolMXBean} methods, by reflection:
 * Weft's class loader cannot see the application's HikariCP.
 */
public final class PoolMetrics {

  static final double[] ACQUIRE_BUCKETS = {
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30
  };

  private final List<Pool> pools = new CopyOnWriteArrayList<>();
  private final Histogram acquire;
  private final ConcurrentHashMap<String, DistributionDataPoint[]> acquireByPool =
      new ConcurrentHashMap<>();
  private final AgentErrors errors;

  PoolMetrics(PrometheusRegistry registry, Labels constLabels, AgentErrors errors) {
    this.errors = errors;
    gauge(registry, constLabels, "db_client_connections_active",
        "Connections the pool has lent to the application.", 0);
    gauge(registry, constLabels, "db_client_connections_idle",
        "Connections idle in the pool.", 1);
    gauge(registry, constLabels, "db_client_connections_pending",
        "Threads waiting for a connection from the pool.", 2);
    gauge(registry, constLabels, "db_client_connections_max",
        "The pool's maximum number of connections.", 3);
    this.acquire =
        Histogram.builder()
            .name("db_client_connection_acquire_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Time the application waited for a connection from the pool.")
            .labelNames("pool", "status")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(ACQUIRE_BUCKETS)
            .withoutExemplars()
            .register(registry);
  }

  private void gauge(
      PrometheusRegistry registry, Labels constLabels, String name, String help, int index) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("pool")
        .constLabels(constLabels)
        .callback(
            callback -> {
              for (Pool p : pools) {
                double v = p.read(index);
                if (!Double.isNaN(v)) {
                  callback.call(v, p.name);
                }
              }
            })
        .register(registry);
  }

  /** A HikariCP pool now exists. */
  public void opened(Object pool) {
    for (Pool p : pools) {
      if (p.ref.get() == pool) {
        return;
      }
    }
    pools.removeIf(p -> p.ref.get() == null);
    pools.add(new Pool(pool));
  }

  /** The pool was shut down: its series go away. */
  public void closed(Object pool) {
    pools.removeIf(p -> p.ref.get() == pool || p.ref.get() == null);
  }

  /** One request for a connection, successful or not. */
  public void acquired(Object pool, long nanos, Throwable error) {
    String name = String.valueOf(pool);
    DistributionDataPoint[] points = acquireByPool.get(name);
    if (points == null) {
      points =
          acquireByPool.computeIfAbsent(
              name,
              n -> new DistributionDataPoint[] {
                acquire.labelValues(n, "ok"), acquire.labelValues(n, "error")
              });
    }
    points[error == null ? 0 : 1].observe(nanos / 1e9);
  }

  /** One pool, read by reflection through HikariPoolMXBean's public methods. */
  private final class Pool {
    final WeakReference<Object> ref;
    final String name;
    final Method[] getters = new Method[3];
    volatile boolean failed;

    Pool(Object pool) {
      this.ref = new WeakReference<>(pool);
      this.name = String.valueOf(pool); // HikariPool's toString() is its pool name
      try {
        Class<?> c = pool.getClass();
        getters[0] = c.getMethod("getActiveConnections");
        getters[1] = c.getMethod("getIdleConnections");
        getters[2] = c.getMethod("getThreadsAwaitingConnection");
      } catch (Throwable t) {
        failed = true;
        errors.internalFailure("hikaricp", "reading pool " + name, t);
      }
    }

    double read(int index) {
      Object pool = ref.get();
      if (pool == null || failed) {
        return Double.NaN;
      }
      try {
        if (index < 3) {
          return ((Number) getters[index].invoke(pool)).doubleValue();
        }
        Object config = configOf(pool);
        return ((Number) config.getClass().getMethod("getMaximumPoolSize").invoke(config))
            .doubleValue();
      } catch (Throwable t) {
        failed = true; // once: a pool that cannot be read is left out, not retried per scrape
        errors.internalFailure("hikaricp", "reading pool " + name, t);
        return Double.NaN;
      }
    }

    private Object configOf(Object pool) throws ReflectiveOperationException {
      for (Class<?> c = pool.getClass(); c != null; c = c.getSuperclass()) {
        try {
          Field f = c.getDeclaredField("config");
          f.setAccessible(true);
          return f.get(pool);
        } catch (NoSuchFieldException next) {
          // PoolBase declares it; look further up
        }
      }
      throw new NoSuchFieldException("config");
    }
  }
}
