package dev.weft.runtime.metrics;


import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code db_client_operations_total} and {@code db_client_operation_duration_seconds}, labelled
 * {@code db_system}, {@code operation}, {@code table}, {@code status} ({@code ok} or
 * {@code error}) and {@code error_type}. The table is the open-ended label: it goes through the
 * cardinality guard, per database system. Data points are bound once per label set and kept in
 * {@link Operation}, which the JDBC instrumenter caches per prepared statement, so recording an
 * execution of a known statement looks nothing up.
 */
public final class JdbcMetrics {

  /** Database calls are faster than HTTP requests: buckets from half a millisecond. */
  static final double[] DURATION_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private final Counter operations;
  private final Histogram duration;
  private final int cardinalityLimit;
  private final CounterDataPoint tableOverflow;
  private final ConcurrentHashMap<String, DbSystem> systems = new ConcurrentHashMap<>();

  JdbcMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint tableOverflow) {
    this.operations =
        Counter.builder()
            .name("db_client_operations_total")
            .help("Database operations run through JDBC, by system, operation, table and outcome.")
            .labelNames("db_system", "operation", "table", "status", "error_type")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    this.duration =
        Histogram.builder()
            .name("db_client_operation_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Time a JDBC execute call took, from the call to its return or exception.")
            .labelNames("db_system", "operation", "table", "status", "error_type")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(DURATION_BUCKETS)
            // Exemplars only from observeWithExemplar: the trace id of a sampled span.
            .register(registry);
    this.cardinalityLimit = cardinalityLimit;
    this.tableOverflow = tableOverflow;
  }

  /** The series of one operation on one table of one database system. */
  public Operation operation(String dbSystem, String operation, String table) {
    DbSystem system = systems.get(dbSystem);
    if (system == null) {
      system = systems.computeIfAbsent(dbSystem, DbSystem::new);
    }
    return system.tables.get(table).operation(operation);
  }

  private final class DbSystem {
    final String name;
    final BoundedLabelMap<Table> tables;

    DbSystem(String name) {
      this.name = name;
      this.tables =
          new BoundedLabelMap<>(cardinalityLimit, t -> new Table(this.name, t), tableOverflow::inc);
    }
  }

  private final class Table {
    final String dbSystem;
    final String table;
    final ConcurrentHashMap<String, Operation> operations = new ConcurrentHashMap<>();

    Table(String dbSystem, String table) {
      this.dbSystem = dbSystem;
      this.table = table;
    }

    Operation operation(String name) {
      Operation op = operations.get(name);
      return op != null ? op : operations.computeIfAbsent(name, n -> new Operation(dbSystem, n, table));
    }
  }

  /** The bound data points of one (system, operation, table): one for success, one per error. */
  public final class Operation {
    private final OutcomeSeries series;

    Operation(String dbSystem, String operation, String table) {
      this.series = new OutcomeSeries(operations, duration, dbSystem, operation, table);
    }

    /**
     * Records one execution.
     *
     * @param error what it threw, or null
     * @param span its ended span, or null: a sampled one becomes the exemplar
     */
    public void record(double seconds, Throwable error, ExemplarSource span) {
      series.record(seconds, error, span);
    }
  }
}
