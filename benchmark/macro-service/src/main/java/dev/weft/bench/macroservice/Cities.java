package dev.weft.bench.macroservice;

import java.util.List;

/**
 * The cities owners live in. The benchmark driver queries {@code GET /owners?city=X} with the same
 * names (its own copy of this list), so every query finds about 50 seeded owners.
 */
final class Cities {

    static final List<String> ALL = List.of(
            "Madison", "Sun Prairie", "McFarland", "Windsor", "Monona",
            "Waunakee", "Verona", "Middleton", "Fitchburg", "Oregon",
            "Stoughton", "Cottage Grove", "DeForest", "Marshall", "Mount Horeb",
            "Cross Plains", "Deerfield", "Cambridge", "Belleville", "Lodi");

    private Cities() {
    }
}
