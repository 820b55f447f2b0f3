package dev.weft.runtime.kafka;

import dev.weft.bootstrap.OperationKind;
import dev.weft.bootstrap.PollReport;
import dev.weft.runtime.core.AgentErrors;
import dev.weft.runtime.dlq.DeadLetters;
import dev.weft.runtime.metrics.MetricsRuntime;
import dev.weft.runtime.operation.Families;
import dev.weft.runtime.operation.OperationPipeline;
import dev.weft.runtime.trace.Tracing;
import java.util.Map;

/**
 * The Kafka family as the kafka-clients and spring-kafka modules' advice reaches it: the
 * pipeline's operations of kind {@code kafka} and the dead-letter capture, as the agent wires
 * them.
 */
final class KafkaAdvice {

  private static final OperationKind KAFKA = OperationKind.named("kafka");

  final OperationPipeline pipeline;
  final FailedRecords failures;

  /** {@code metrics} and {@code deadLetters} null when off. */
  KafkaAdvice(MetricsRuntime metrics, Tracing tracing, AgentErrors errors, DeadLetters deadLetters) {
    pipeline = new OperationPipeline(Families.all(), metrics, tracing, errors);
    failures = new FailedRecords(pipeline.messages("kafka"), deadLetters, errors);
  }

  void pollStarting(PollReport poll) {
    pipeline.pollStarting(KAFKA, poll);
  }

  void polled(PollReport poll) {
    pipeline.polled(KAFKA, poll);
  }

  void closed(Object consumer) {
    pipeline.closed(KAFKA, consumer);
  }

  void iterating(Object batch, Object iterator) {
    pipeline.iterating(KAFKA, batch, iterator);
  }

  void processStarted(
      Object iterator,
      Object record,
      String topic,
      int partition,
      long offset,
      byte[] traceparent,
      byte[] tracestate) {
    pipeline.startProcess(KAFKA, iterator, record, topic, partition, offset, traceparent, tracestate);
  }

  void processEnded() {
    pipeline.processEnded(KAFKA);
  }

  void consumerConfigured(Object consumer, Map<?, ?> config) {
    failures.consumerConfigured(consumer, config);
  }

  void handlerEntered() {
    failures.handlerEntered();
  }

  void handlerExited(Throwable thrown, Object records) {
    failures.handlerExited(thrown, records);
  }

  void errorHandler(Object consumer, Object errorHandler, String group) {
    failures.errorHandler(consumer, errorHandler, group);
  }

  void recordRecovered(Object consumer, Object records) {
    failures.recordRecovered(consumer, records);
  }

  FinalFailures finalFailures() {
    return failures.finalFailures();
  }
}
