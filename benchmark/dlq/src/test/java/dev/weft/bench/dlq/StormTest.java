package dev.weft.bench.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StormTest {

    @Test
    void exactlyTheFailingCountFailsEvenlySpread() {
        Storm storm = new Storm(20_000, 5_000, 4, 200);
        assertEquals(5_000, IntStream.range(0, 20_000).filter(storm::fails).count());
        assertEquals(1_250, IntStream.range(0, 5_000).filter(storm::fails).count());
        assertEquals(Storm.FAILING_MARK, storm.value(3)[0]);
        assertEquals('v', storm.value(0)[0]);
        assertEquals(10, IntStream.range(0, 10).filter(new Storm(10, 10, 1, 1)::fails).count());
    }

    @Test
    void metricsSumEveryOutcomeSeriesWhateverTheirOtherLabels() {
        AgentMetrics.Reading r = AgentMetrics.parse(String.join("\n",
                "# TYPE kafka_dlq_records counter",
                "kafka_dlq_records_total{dlq_topic=\"a.dlq\",group=\"g\",outcome=\"published\",reason=\"\",topic=\"a\"} 7.0",
                "kafka_dlq_records_total{dlq_topic=\"b.dlq\",group=\"g\",outcome=\"published\",topic=\"b\"} 3",
                "kafka_dlq_records_total{dlq_topic=\"a.dlq\",group=\"g\",outcome=\"lost\",reason=\"topic gone\",topic=\"a\"} 2.0",
                "kafka_dlq_records_total{dlq_topic=\"a.dlq\",group=\"g\",outcome=\"spooled\",reason=\"\",topic=\"a\"} 4.0 1700000000000",
                "kafka_dlq_spooled_records{service=\"x\"} 5.0",
                ""));
        assertEquals(new AgentMetrics.Reading(10, 4, 0, 2, 5), r);
    }
}
