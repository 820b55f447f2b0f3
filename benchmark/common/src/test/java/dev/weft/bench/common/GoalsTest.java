package dev.weft.bench.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GoalsTest {

    @Test
    void verdictIsInconclusiveWhenThePairsStraddleTheGoal() {
        assertEquals(Goals.Verdict.MET, Goals.verdict(Spread.of(1.01, 1.02, 1.04), true, 1.05));
        assertEquals(Goals.Verdict.NOT_MET, Goals.verdict(Spread.of(1.06, 1.10), true, 1.05));
        assertEquals(Goals.Verdict.INCONCLUSIVE, Goals.verdict(Spread.of(0.98, 1.04, 1.09), true, 1.05));
        assertEquals(Goals.Verdict.MET, Goals.verdict(Spread.of(0.97, 0.99), false, 0.97));
        assertEquals(Goals.Verdict.NOT_MET, Goals.verdict(Spread.of(0.81, 0.87), false, 0.95));
        assertEquals(Goals.Verdict.INCONCLUSIVE, Goals.verdict(Spread.of(0.93, 0.96), false, 0.95));
    }

    @Test
    void pairsAreTakenWithinARound() {
        RoundsFile r = new RoundsFile();
        r.value("macro", "throughputRps", "none", 1, 100);
        r.value("macro", "throughputRps", "none", 2, 200);
        r.value("macro", "throughputRps", "weft", 1, 99);
        r.value("macro", "throughputRps", "weft", 2, 190);
        assertEquals(java.util.List.of(0.99, 0.95), r.paired("macro", "throughputRps", "weft", "none", true));
        Goals.Row row = Goals.row(r, Goals.GOALS.get(3));
        assertEquals(Goals.Verdict.INCONCLUSIVE, row.verdict());
        assertEquals("0.970 (0.950–0.990)×", row.measured());
    }

    @Test
    void sectionIsReplacedOrInsertedBeforeTheFirstSectionAndNothingElseMoves() {
        String md = "# Title\n\n| | |\n|---|---|\n| a | b |\n\nConfigurations: ...\n\n## Per-operation\n\ntext\n\n## A/B\n\nhistory\n";
        String once = Goals.replaceSection(md, Goals.HEADING + "\n\nfirst\n");
        assertTrue(once.contains("Configurations: ...\n\n## Goals (issue 20)\n\nfirst\n\n## Per-operation"), once);
        String twice = Goals.replaceSection(once, Goals.HEADING + "\n\nsecond\n");
        assertEquals(once.replace("first", "second"), twice);
        assertTrue(twice.endsWith("## A/B\n\nhistory\n"), twice);
    }
}
