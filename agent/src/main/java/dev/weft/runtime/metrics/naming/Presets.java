package dev.weft.runtime.metrics.naming;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The three naming presets of {@code weft.metrics.naming}, written once: the agent applies them,
 * docs/metrics.md's preset tables are checked against them (NamingPresetDocsTest), and the
 * deploy/ rules and dashboards of each preset are translated with them.
 *
 * <ul>
 *   <li>{@code prometheus}: Weft's own names, the default.
 *   <li>{@code otel}: the OpenTelemetry semantic conventions' stable HTTP and database metrics,
 *       and the messaging, connection-pool and RPC ones the upstream Java agent emits, as
 *       OpenTelemetry's Prometheus exporter renders them (dots become underscores, the unit
 *       becomes a suffix, counters end in {@code _total}).
 *   <li>{@code micrometer}: the names and tags Spring Boot's Micrometer gives HTTP server and
 *       client requests, HikariCP, Lettuce, Spring Kafka and Kafka's client metrics; Weft's
 *       own names where Micrometer has none (JDBC operations, Redis errors, gRPC, whose
 *       Micrometer tags are camelCase, which promtool rejects).
 * </ul>
 */
public final class Presets {

  /** The OpenTelemetry database conventions' advised buckets (a subset of Weft's). */
  static final double[] OTEL_DB_BOUNDS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10};

  private Presets() {}

  public static List<String> names() {
    return Arrays.asList("prometheus", "otel", "micrometer");
  }

  /** The preset of this name (one of {@link #names}). */
  public static NamingPreset named(String name) {
    switch (name) {
      case "otel":
        return otel();
      case "micrometer":
        return micrometer();
      case "prometheus":
        return new NamingPreset("prometheus", Collections.emptyList());
      default:
        throw new IllegalArgumentException("no naming preset '" + name + "'");
    }
  }

  static NamingPreset otel() {
    return new NamingPreset(
        "otel",
        Arrays.asList(
            // HTTP server: the count is the histogram's _count.
            Rule.drop("http_requests_total", "http_request_duration_seconds"),
            Rule.map(
                    "http_request_duration_seconds",
                    "http_server_request_duration_seconds",
                    "Duration of HTTP server requests.")
                .copy("method", "http_request_method")
                .copy("endpoint", "http_route")
                .copy("status", "http_response_status_code")
                .derived("error_type", l -> serverErrorType(l.get("status")),
                    "the status code when it is 500 or more")
                .build(),
            Rule.map(
                    "http_requests_active",
                    "http_server_active_requests",
                    "Number of active HTTP server requests.")
                .copy("method", "http_request_method")
                // Not among the conventions' attributes of this metric; kept so that a route's
                // active requests can still be told apart (a sum over it gives theirs).
                .copy("endpoint", "http_route")
                .build(),
            // HTTP client.
            Rule.drop("http_client_requests_total", "http_client_request_duration_seconds"),
            Rule.map(
                    "http_client_request_duration_seconds",
                    "http_client_request_duration_seconds",
                    "Duration of HTTP client requests.")
                .copy("method", "http_request_method")
                .copy("host", "server_address")
                .mapped("status", "http_response_status_code", NO_RESPONSE_EMPTY,
                    "`status`, left out when no response arrived")
                .derived("error_type", Presets::clientErrorType,
                    "`error_type` when no response arrived, else the status code when it is 400"
                        + " or more")
                .build(),
            // Database client operations, SQL and Redis alike.
            Rule.drop("db_client_operations_total", "db_client_operation_duration_seconds"),
            Rule.map(
                    "db_client_operation_duration_seconds",
                    "db_client_operation_duration_seconds",
                    "Duration of database client operations.")
                .copy("db_system", "db_system_name")
                .copy("operation", "db_operation_name")
                .copy("table", "db_collection_name")
                .copy("error_type", "error_type")
                .bounds(OTEL_DB_BOUNDS)
                .build(),
            Rule.drop("redis_client_commands_total", "redis_client_command_duration_seconds"),
            Rule.map(
                    "redis_client_command_duration_seconds",
                    "db_client_operation_duration_seconds",
                    "Duration of database client operations.")
                .constant("db_system_name", "redis")
                .copy("command", "db_operation_name")
                .copy("error_type", "error_type")
                .bounds(OTEL_DB_BOUNDS)
                .build(),
            // Connection pools, as the upstream agent's HikariCP instrumentation emits them by
            // default (the older conventions: the newer db_client_connection_count is a gauge
            // ending in _count, which promtool rejects); the acquire time in seconds under the
            // newer name (the upstream's is in milliseconds, not a base unit).
            Rule.map(
                    "db_client_connections_active",
                    "db_client_connections_usage",
                    "The number of connections that are currently in state described by the state"
                        + " attribute.")
                .copy("pool", "pool_name")
                .constant("state", "used")
                .build(),
            Rule.map(
                    "db_client_connections_idle",
                    "db_client_connections_usage",
                    "The number of connections that are currently in state described by the state"
                        + " attribute.")
                .copy("pool", "pool_name")
                .constant("state", "idle")
                .build(),
            Rule.map(
                    "db_client_connections_pending",
                    "db_client_connections_pending_requests",
                    "The number of pending requests for an open connection, cumulative for the"
                        + " entire pool.")
                .copy("pool", "pool_name")
                .build(),
            Rule.map(
                    "db_client_connections_max",
                    "db_client_connections_max",
                    "The maximum number of open connections allowed.")
                .copy("pool", "pool_name")
                .build(),
            Rule.map(
                    "db_client_connection_acquire_duration_seconds",
                    "db_client_connection_wait_time_seconds",
                    "The time it took to obtain an open connection from the pool.")
                .copy("pool", "pool_name")
                .copy("status", "status")
                .build(),
            // Messaging (Kafka).
            Rule.map(
                    "kafka_producer_records_total",
                    "messaging_client_sent_messages_total",
                    "Number of messages producer attempted to send to the broker.")
                .constant("messaging_system", "kafka")
                .copy("topic", "messaging_destination_name")
                .copy("error_type", "error_type")
                .build(),
            Rule.map(
                    "kafka_producer_send_duration_seconds",
                    "messaging_client_operation_duration_seconds",
                    "Duration of messaging operation initiated by a producer or consumer client.")
                .constant("messaging_system", "kafka")
                .constant("messaging_operation_name", "send")
                .copy("topic", "messaging_destination_name")
                .copy("error_type", "error_type")
                .build(),
            Rule.map(
                    "kafka_consumer_records_total",
                    "messaging_client_consumed_messages_total",
                    "Number of messages that were delivered to the application.")
                .constant("messaging_system", "kafka")
                .copy("topic", "messaging_destination_name")
                .copy("group", "messaging_consumer_group_name")
                .build(),
            Rule.map(
                    "kafka_consumer_process_duration_seconds",
                    "messaging_process_duration_seconds",
                    "Duration of processing operation.")
                .constant("messaging_system", "kafka")
                .constant("messaging_operation_name", "process")
                .copy("topic", "messaging_destination_name")
                .copy("group", "messaging_consumer_group_name")
                .copy("error_type", "error_type")
                .build(),
            // RPC: the conventions' call duration in seconds (the upstream agent's older
            // rpc_server_duration_milliseconds is not a base unit, which promtool rejects), with
            // the attributes the upstream agent sets.
            Rule.drop("rpc_server_requests_total", "rpc_server_request_duration_seconds"),
            rpcOtel("server"),
            Rule.drop("rpc_client_requests_total", "rpc_client_request_duration_seconds"),
            rpcOtel("client")));
  }

  private static Rule rpcOtel(String side) {
    return Rule.map(
            "rpc_" + side + "_request_duration_seconds",
            "rpc_" + side + "_call_duration_seconds",
            "Measures the duration of " + (side.equals("server") ? "inbound" : "outbound")
                + " remote procedure calls.")
        .constant("rpc_system", "grpc")
        .copy("service", "rpc_service")
        .copy("method", "rpc_method")
        .mapped("code", "rpc_grpc_status_code", GRPC_CODES, "`code` as its number (`OK` is `0`)")
        .build();
  }

  static NamingPreset micrometer() {
    return new NamingPreset(
        "micrometer",
        Arrays.asList(
            // HTTP server (Spring MVC and WebFlux observations).
            Rule.drop("http_requests_total", "http_request_duration_seconds"),
            Rule.map(
                    "http_request_duration_seconds",
                    "http_server_requests_seconds",
                    "HTTP server requests.")
                .copy("method", "method")
                .copy("endpoint", "uri")
                .copy("status", "status")
                .derived("outcome", l -> outcome(l.get("status")),
                    "from `status`: `SUCCESS`, `CLIENT_ERROR`, `SERVER_ERROR`, ...")
                .constant("exception", "none")
                .constant("error", "none")
                .build(),
            // HTTP client (RestTemplate, RestClient, WebClient observations).
            Rule.drop("http_client_requests_total", "http_client_request_duration_seconds"),
            Rule.map(
                    "http_client_request_duration_seconds",
                    "http_client_requests_seconds",
                    "HTTP client requests.")
                .copy("method", "method")
                .constant("uri", "none")
                .mapped("status", "status", NO_RESPONSE_CLIENT_ERROR,
                    "`status`, or `CLIENT_ERROR` when no response arrived")
                .derived("outcome", l -> outcome(l.get("status")),
                    "from `status` (`UNKNOWN` when no response arrived)")
                .mapped("error_type", "exception", EMPTY_NONE, "`error_type`, or `none`")
                .mapped("error_type", "error", EMPTY_NONE, "`error_type`, or `none`")
                .copy("host", "client_name")
                .build(),
            // HikariCP (its Micrometer tracker).
            Rule.map("db_client_connections_active", "hikaricp_connections_active",
                    "Active connections")
                .copy("pool", "pool")
                .build(),
            Rule.map("db_client_connections_idle", "hikaricp_connections_idle",
                    "Idle connections")
                .copy("pool", "pool")
                .build(),
            Rule.map("db_client_connections_active", "hikaricp_connections",
                    "Total connections")
                .copy("pool", "pool")
                .build(),
            Rule.map("db_client_connections_idle", "hikaricp_connections", "Total connections")
                .copy("pool", "pool")
                .build(),
            Rule.map("db_client_connections_pending", "hikaricp_connections_pending",
                    "Pending threads")
                .copy("pool", "pool")
                .build(),
            Rule.map("db_client_connections_max", "hikaricp_connections_max",
                    "Max connections")
                .copy("pool", "pool")
                .build(),
            Rule.map(
                    "db_client_connection_acquire_duration_seconds",
                    "hikaricp_connections_acquire_seconds",
                    "Connection acquire time")
                .copy("pool", "pool")
                .copy("status", "status")
                .build(),
            // Lettuce (its MicrometerCommandLatencyRecorder); Weft's Redis metrics stay too.
            Rule.map(
                    "redis_client_command_duration_seconds",
                    "lettuce_command_completion_seconds",
                    "Latency between command send and command completion (complete response"
                        + " received)")
                .copy("command", "command")
                .constant("local", "ANY")
                .build(),
            // Spring Kafka's listener and template timers, Kafka's client metrics.
            Rule.map(
                    "kafka_consumer_process_duration_seconds",
                    "spring_kafka_listener_seconds",
                    "Kafka Listener Timer")
                .copy("group", "name")
                .mapped("status", "result", RESULT, "`success`, or `failure` when processing threw")
                .mapped("error_type", "exception", EMPTY_NONE, "`error_type`, or `none`")
                .copy("topic", "topic")
                .build(),
            Rule.map(
                    "kafka_producer_send_duration_seconds",
                    "spring_kafka_template_seconds",
                    "KafkaTemplate Timer")
                .copy("topic", "name")
                .mapped("status", "result", RESULT, "`success`, or `failure` when the send failed")
                .mapped("error_type", "exception", EMPTY_NONE, "`error_type`, or `none`")
                .build(),
            // The template timer counts every send with its result: the producer counter's
            // place (Kafka's own record-send-total cannot tell sent from failed by a label).
            Rule.drop("kafka_producer_records_total", "kafka_producer_send_duration_seconds"),
            Rule.map(
                    "kafka_consumer_records_total",
                    "kafka_consumer_fetch_manager_records_consumed_total",
                    "The total number of records consumed for a topic")
                .copy("topic", "topic")
                .copy("group", "group")
                .build(),
            Rule.map(
                    "kafka_consumer_lag",
                    "kafka_consumer_fetch_manager_records_lag",
                    "The latest lag of the partition")
                .copy("topic", "topic")
                .copy("partition", "partition")
                .copy("group", "group")
                .build()));
  }

  static String serverErrorType(String status) {
    return status != null && status.length() == 3 && status.charAt(0) >= '5' ? status : null;
  }

  static String clientErrorType(Labels l) {
    String status = l.get("status");
    if ("error".equals(status)) {
      return l.get("error_type");
    }
    return status != null && status.length() == 3 && status.charAt(0) >= '4' ? status : null;
  }

  /** Micrometer's outcome of a status code. */
  static String outcome(String status) {
    if (status == null || status.length() != 3) {
      return "UNKNOWN";
    }
    switch (status.charAt(0)) {
      case '1':
        return "INFORMATIONAL";
      case '2':
        return "SUCCESS";
      case '3':
        return "REDIRECTION";
      case '4':
        return "CLIENT_ERROR";
      case '5':
        return "SERVER_ERROR";
      default:
        return "UNKNOWN";
    }
  }

  private static final Map<String, String> GRPC_CODES = new HashMap<>();
  private static final Map<String, String> NO_RESPONSE_EMPTY = Collections.singletonMap("error", "");
  private static final Map<String, String> NO_RESPONSE_CLIENT_ERROR =
      Collections.singletonMap("error", "CLIENT_ERROR");
  private static final Map<String, String> EMPTY_NONE = Collections.singletonMap("", "none");
  private static final Map<String, String> RESULT = new HashMap<>();

  static {
    String[] names = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"
    };
    for (int i = 0; i < names.length; i++) {
      GRPC_CODES.put(names[i], Integer.toString(i));
    }
    RESULT.put("ok", "success");
    RESULT.put("error", "failure");
  }


}
