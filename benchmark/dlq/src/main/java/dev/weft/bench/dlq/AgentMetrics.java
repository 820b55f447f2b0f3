package dev.weft.bench.dlq;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Weft's dead-letter series on its {@code /metrics} endpoint, read from outside the consumer:
 * {@code kafka_dlq_records_total} by {@code outcome} (summed over topics and groups) and the
 * {@code kafka_dlq_spooled_records} gauge.
 */
final class AgentMetrics {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final HttpRequest request;

    AgentMetrics(int port) {
        // Only the two families: a scrape every few milliseconds must not cost the consumer much.
        request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/metrics?name%5B%5D=kafka_dlq_records_total&name%5B%5D=kafka_dlq_spooled_records"))
                .timeout(Duration.ofSeconds(5))
                .build();
    }

    /** One reading; {@code null} while the endpoint does not answer 200 (the agent is still starting). */
    Reading read() throws InterruptedException {
        HttpResponse<String> answer;
        try {
            answer = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
        if (answer.statusCode() != 200) {
            return null;
        }
        return parse(answer.body());
    }

    static Reading parse(String text) {
        long published = 0;
        long spooled = 0;
        long dropped = 0;
        long lost = 0;
        long waiting = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("kafka_dlq_records_total{")) {
                long v = value(line);
                if (line.contains("outcome=\"published\"")) {
                    published += v;
                } else if (line.contains("outcome=\"spooled\"")) {
                    spooled += v;
                } else if (line.contains("outcome=\"dropped\"")) {
                    dropped += v;
                } else if (line.contains("outcome=\"lost\"")) {
                    lost += v;
                }
            } else if (line.startsWith("kafka_dlq_spooled_records ") || line.startsWith("kafka_dlq_spooled_records{")) {
                waiting += value(line);
            }
        }
        return new Reading(published, spooled, dropped, lost, waiting);
    }

    /** The sample's value: the field after the closing brace (or the name), before any timestamp. */
    private static long value(String line) {
        int start = line.indexOf('}') >= 0 ? line.indexOf('}') + 1 : line.indexOf(' ');
        String[] parts = line.substring(start).trim().split("\\s+");
        return (long) Double.parseDouble(parts[0]);
    }

    /**
     * One scrape: dead letters acknowledged ({@code published}), counted as waiting in the spool
     * ({@code spooled}), dropped, lost; {@code waiting} is the spool's gauge at that instant.
     */
    record Reading(long published, long spooled, long dropped, long lost, long waiting) {
    }
}
