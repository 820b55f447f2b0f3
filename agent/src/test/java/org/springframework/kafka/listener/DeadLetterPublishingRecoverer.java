package org.springframework.kafka.listener;

/** A stand-in for the application's own dead-letter publisher. */
public class DeadLetterPublishingRecoverer {}
