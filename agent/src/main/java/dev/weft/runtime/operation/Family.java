package dev.weft.runtime.operation;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.metrics.NamedOutcomeMetrics;
import dev.weft.runtime.trace.Tracing;

/**
 * The one description of a family of operations: the {@link dev.weft.bootstrap.OperationKind}
 * its modules name, and what one operation becomes (its span, its count, its duration and the
 * span as the duration's exemplar when it is sampled), as one of the pipeline's shapes.
 */
public final class Family {

  /** What one operation of a family becomes. */
  enum Form {
    /** See {@link #databaseCommands}. */
    DATABASE_COMMANDS,
    /** See {@link #httpClientCalls}. */
    HTTP_CLIENT_CALLS,
    /** See {@link #httpServerRequests}. */
    HTTP_SERVER_REQUESTS,
    /** See {@link #messaging}. */
    MESSAGING,
    /** See {@link #rpcCalls}. */
    RPC_CALLS,
    /** See {@link #sqlStatements}. */
    SQL_STATEMENTS
  }

  final Form form;
  final String kind;
  final String system;
  final NamedOutcomeMetrics.Shape metrics;

  private Family(Form form, String kind, String system, NamedOutcomeMetrics.Shape metrics) {
    this.form = form;
    this.kind = kind;
    this.system = system;
    this.metrics = metrics;
  }

  /**
   * A database client's commands: a CLIENT span named by the command ({@code db.system},
   * {@code db.operation.name}, {@code db.namespace}, {@code server.address},
   * {@code server.port}), one count and one duration labelled by the command's name and outcome.
   * Commands are named by protocol keywords (upper-cased, at most 64
   * characters, anything but letters, digits and {@code ._- } as {@code _}).
   *
   * @param kind the operation kind's name, also the module label of Weft's own errors
   * @param system the span's {@code db.system}
   */
  public static Family databaseCommands(
      String kind, String system, NamedOutcomeMetrics.Shape metrics) {
    return new Family(Form.DATABASE_COMMANDS, kind, system, metrics);
  }

  /**
   * HTTP client calls: {@code http_client_requests_total} and
   * {@code http_client_request_duration_seconds} by {@code method}, {@code host} (through the
   * cardinality guard), {@code status} (the response's code, or {@code error}) and
   * {@code error_type}; a CLIENT span ({@code http.request.method}, {@code url.full} without
   * query or user-info, {@code server.address}, {@code server.port},
   * {@code http.response.status_code}) whose W3C headers go on the request; the sampled span as
   * the duration's exemplar.
   *
   * @param kind the operation kind's name, also the module label of Weft's own errors
   */
  public static Family httpClientCalls(String kind) {
    return new Family(Form.HTTP_CLIENT_CALLS, kind, null, null);
  }

  /**
   * HTTP server requests: {@code http_requests_total}, {@code http_request_duration_seconds} and
   * {@code http_requests_active} by {@code method}, {@code endpoint} (the route template, through
   * the cardinality guard) and {@code status}; a SERVER span, a child of the W3C context the
   * request carries, current on the thread while the request is in its dispatch; the sampled
   * span as the duration's exemplar.
   *
   * @param kind the operation kind's name, also the module label of Weft's own errors
   */
  public static Family httpServerRequests(String kind) {
    return new Family(Form.HTTP_SERVER_REQUESTS, kind, null, null);
  }

  /**
   * SQL statements run through JDBC: {@code db_client_operations_total} and
   * {@code db_client_operation_duration_seconds} by {@code db_system} (from the connection's
   * URL), {@code operation} and {@code table} (from the statement's text, parsed once per text),
   * {@code status} and {@code error_type}; a CLIENT span named {@code <operation> <table>} with
   * the text, literals replaced by {@code ?}; connection pools' gauges and borrow times.
   *
   * @param kind the operation kind's name, also the module label of Weft's own errors
   */
  public static Family sqlStatements(String kind) {
    return new Family(Form.SQL_STATEMENTS, kind, null, null);
  }

  /**
   * A message broker's clients: sends counted and timed to the broker's acknowledgement by topic
   * and outcome, with a PRODUCER span whose W3C headers go into the message; messages received
   * per topic and group; each message's processing timed and traced (a CONSUMER span, a child of
   * its producer's, current while the application processes it); each assigned partition's lag
   * from the consumer's own view. Dead-letter capture follows this family's consumers.
   *
   * @param kind the operation kind's name, also the module label of Weft's own errors
   * @param system the spans' {@code messaging.system}
   */
  public static Family messaging(String kind, String system) {
    return new Family(Form.MESSAGING, kind, system, null);
  }

  /**
   * Remote procedure calls, both sides: {@code rpc_server_requests_total},
   * {@code rpc_server_request_duration_seconds}, {@code rpc_client_requests_total} and
   * {@code rpc_client_request_duration_seconds} by {@code service}, {@code method} (one pair,
   * through the cardinality guard) and {@code code} (the gRPC status name); a SERVER span
   * ({@code rpc.system}, {@code rpc.service}, {@code rpc.method},
   * {@code rpc.grpc.status_code}), a child of the W3C context the call's metadata carries and
   * current in each of the call's callbacks; a CLIENT span (the same, with
   * {@code server.address} and {@code server.port}) whose W3C headers go into the metadata; the
   * sampled span as the duration's exemplar. A streaming call counts once, when it closes.
   *
   * @param kind the operation kind's name, also the module label of Weft's own errors
   * @param system the spans' {@code rpc.system}
   */
  public static Family rpcCalls(String kind, String system) {
    return new Family(Form.RPC_CALLS, kind, system, null);
  }

  public String kind() {
    return kind;
  }

  /** What the pipeline runs for this family. */
  Shape shape(
      OperationPipeline pipeline, MetricsRuntime metrics, Tracing tracing, AgentErrors errors) {
    switch (form) {
      case SQL_STATEMENTS:
        return new SqlStatements(
            pipeline,
            kind,
            metrics == null ? null : metrics.jdbc(),
            metrics == null ? null : metrics.pools(),
            tracing,
            errors);
      case HTTP_SERVER_REQUESTS:
        return new HttpRequests(
            pipeline, kind, metrics == null ? null : metrics.httpServer(), tracing, errors);
      case MESSAGING:
        return new Messages(
            pipeline, kind, system, metrics == null ? null : metrics.kafka(), tracing, errors);
      case HTTP_CLIENT_CALLS:
        return new HttpCalls(
            pipeline, kind, metrics == null ? null : metrics.httpClient(), tracing, errors);
      case RPC_CALLS:
        return new RpcCalls(
            pipeline,
            kind,
            system,
            metrics == null ? null : metrics.rpcServer(),
            metrics == null ? null : metrics.rpcClient(),
            tracing,
            errors);
      default:
        NamedOutcomeMetrics series = metrics == null ? null : metrics.namedOutcomes(this.metrics);
        return new Commands(pipeline, this, series, tracing, errors);
    }
  }
}
