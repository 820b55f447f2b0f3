package dev.weft.runtime.operation;

import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.trace.Tracing;

/**
 * What the pipeline made of one family's description: a shape (HTTP server requests, HTTP client
 * calls, SQL statements, commands, messages) holding that family's metrics and state. Every shape knows its
 * pipeline (a kind described by another pipeline, in a test JVM, is not this one's), the name of
 * its family (the module label of Weft's own errors), the tracer and the error sink.
 */
abstract class Shape {

  final OperationPipeline pipeline;
  final String module;
  final Tracing tracing;
  final AgentErrors errors;

  Shape(OperationPipeline pipeline, String module, Tracing tracing, AgentErrors errors) {
    this.pipeline = pipeline;
    this.module = module;
    this.tracing = tracing;
    this.errors = errors;
  }
}
