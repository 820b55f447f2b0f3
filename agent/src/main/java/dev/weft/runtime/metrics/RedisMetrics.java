package dev.weft.runtime.metrics;


import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * {@code redis_client_commands_total} and {@code redis_client_command_duration_seconds},
 * labelled {@code command} (upper case), {@code status} ({@code ok} or {@code error}) and
 * {@code error_type}. The command is open-ended (modules and custom commands add names): it goes
 * through the cardinality guard. Never a key, a value or any other argument.
 */
public final class RedisMetrics {

  /** Redis answers in well under a millisecond on a LAN: buckets from 100 microseconds. */
  static final double[] DURATION_BUCKETS = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5
  };

  private final Counter commands;
  private final Histogram duration;
  private final BoundedLabelMap<Command> byName;

  RedisMetrics(
      PrometheusRegistry registry,
      Labels constLabels,
      int cardinalityLimit,
      CounterDataPoint commandOverflow) {
    this.commands =
        Counter.builder()
            .name("redis_client_commands_total")
            .help("Redis commands sent, by command name and outcome.")
            .labelNames("command", "status", "error_type")
            .constLabels(constLabels)
            .withoutExemplars()
            .register(registry);
    this.duration =
        Histogram.builder()
            .name("redis_client_command_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Time from sending a Redis command to reading its reply or failing.")
            .labelNames("command", "status", "error_type")
            .constLabels(constLabels)
            .classicOnly()
            .classicUpperBounds(DURATION_BUCKETS)
            // Exemplars only from observeWithExemplar: the trace id of a sampled span.
            .register(registry);
    this.byName = new BoundedLabelMap<>(cardinalityLimit, Command::new, commandOverflow::inc);
  }

  /** The series of one command name (upper case), through the cardinality guard. */
  public Command command(String name) {
    return byName.get(name);
  }

  /** The bound data points of one command: one for success, one per error type. */
  public final class Command {
    private final String name;
    private final OutcomeSeries series;

    Command(String name) {
      this.name = name;
      this.series = new OutcomeSeries(commands, duration, name);
    }

    public String name() {
      return name;
    }

    /** Records one command, whose span (or null) has ended; {@code error} null for success. */
    public void record(double seconds, Throwable error, ExemplarSource span) {
      series.record(seconds, error, span);
    }
  }
}
