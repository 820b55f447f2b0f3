package dev.weft.bench.macroservice;

import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Seeds the freshly created table with {@code bench.seed.owners} owners (ids 1..N) and empties this
 * service's cache keys. Its lifecycle phase starts it before the web server starts listening (so
 * the first {@code 200} from {@code GET /owners/1} means the service is fully ready) and stops it
 * after the web server stopped but before the Redis connections close, when it flushes the keys.
 */
@Component
class Seeder implements SmartLifecycle {

    /** Below the web server's phases ({@code DEFAULT_PHASE - 1024} and up), above Redis's. */
    private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

    private static final String[] FIRST = {"George", "Betty", "Eduardo", "Harold", "Peter",
        "Jean", "Jeff", "Maria", "David", "Carlos", "Ana", "Lena", "Tom", "Sofia", "Ravi", "Mei"};
    private static final String[] LAST = {"Franklin", "Davis", "Rodriguez", "Black", "McTavish",
        "Coleman", "Escobito", "Schroeder", "Estaban", "Kowalski", "Nakamura", "Okafor", "Lindqvist"};

    private final OwnerRepository repository;
    private final OwnerService owners;
    private final int count;
    private volatile boolean running;

    Seeder(OwnerRepository repository, OwnerService owners, @Value("${bench.seed.owners}") int count) {
        this.repository = repository;
        this.owners = owners;
        this.count = count;
    }

    @Override
    public void start() {
        owners.flushCache();
        List<Owner> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = FIRST[i % FIRST.length] + " " + LAST[(i / FIRST.length) % LAST.length];
            batch.add(new Owner(name, Cities.ALL.get(i % Cities.ALL.size())));
        }
        repository.saveAll(batch);
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        try {
            owners.flushCache();
        } catch (RuntimeException e) {
            // Redis gone at shutdown: the keys expire on their own and the next start flushes them.
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
