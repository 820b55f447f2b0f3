package dev.weft.runtime.operation;

import dev.weft.runtime.metrics.NamedOutcomeMetrics;
import java.util.Arrays;
import java.util.List;

/**
 * Every family the operation pipeline describes: one entry per family, the only line outside
 * its modules' folders that a new family adds. Modules reach their family by the kind's name.
 */
public final class Families {

  /**
   * Key-value stores answer in well under a millisecond on a LAN: buckets from 100 µs, to 10 s
   * (the OpenTelemetry database conventions' last bound, which the otel naming preset keeps).
   */
  static final double[] FAST = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 10
  };

  private Families() {}

  public static List<Family> all() {
    return Arrays.asList(
        Family.httpServerRequests("http-server"),
        Family.httpClientCalls("http-client"),
        Family.sqlStatements("jdbc"),
        Family.messaging("kafka", "kafka"),
        Family.rpcCalls("grpc", "grpc"),
        Family.databaseCommands("redis", "redis", new NamedOutcomeMetrics.Shape("redis_client_commands", "Redis commands sent, by command name and outcome.", "redis_client_command_duration_seconds", "Time from sending a Redis command to reading its reply or failing.", "command", FAST)));
  }
}
