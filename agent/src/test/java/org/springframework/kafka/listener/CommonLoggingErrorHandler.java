package org.springframework.kafka.listener;

/** A stand-in for an error handler that does not retry (and is no FailedRecordProcessor). */
public class CommonLoggingErrorHandler {}
