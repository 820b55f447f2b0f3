package dev.weft.bench.macroservice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Service;

/**
 * Reads owners through a Redis cache (explicit get/set, so the keys and their prefix are ours and
 * can be flushed without touching anybody else's), and publishes one Kafka event per created owner.
 */
@Service
public class OwnerService {

    private static final Duration CACHE_TTL = Duration.ofMinutes(10);

    private final OwnerRepository repository;
    private final StringRedisTemplate redis;
    private final KafkaTemplate<String, String> kafka;
    private final ObjectMapper json;
    private final String keyPrefix;

    public OwnerService(OwnerRepository repository, StringRedisTemplate redis,
            KafkaTemplate<String, String> kafka, ObjectMapper json,
            @Value("${bench.redis.key-prefix}") String keyPrefix) {
        this.repository = repository;
        this.redis = redis;
        this.kafka = kafka;
        this.json = json;
        this.keyPrefix = keyPrefix;
    }

    public Optional<OwnerDto> find(long id) {
        String key = keyPrefix + "owner:" + id;
        String cached = redis.opsForValue().get(key);
        if (cached != null) {
            return Optional.of(read(cached));
        }
        Optional<OwnerDto> owner = repository.findById(id).map(OwnerDto::of);
        owner.ifPresent(o -> redis.opsForValue().set(key, write(o), CACHE_TTL));
        return owner;
    }

    public List<OwnerDto> byCity(String city) {
        return repository.findTop50ByCityOrderByIdAsc(city).stream().map(OwnerDto::of).toList();
    }

    /** Inserts the owner, then waits for the broker to acknowledge its event (acks=all). */
    public OwnerDto create(NewOwner request) {
        OwnerDto created = OwnerDto.of(repository.save(new Owner(request.name(), request.city())));
        String event = write(Map.of("type", "owner-created", "owner", created));
        try {
            kafka.send(MacroServiceApplication.OWNER_EVENTS_TOPIC, Long.toString(created.id()), event)
                    .get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing owner event", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("owner event not acknowledged by Kafka", e);
        }
        return created;
    }

    /** Deletes this service's cache keys (and only them); returns how many were deleted. */
    public long flushCache() {
        List<String> keys = new ArrayList<>();
        ScanOptions options = ScanOptions.scanOptions().match(keyPrefix + "*").count(1000).build();
        try (Cursor<String> cursor = redis.scan(options)) {
            cursor.forEachRemaining(keys::add);
        }
        long deleted = 0;
        for (int from = 0; from < keys.size(); from += 500) {
            Long n = redis.delete(keys.subList(from, Math.min(keys.size(), from + 500)));
            deleted += n == null ? 0 : n;
        }
        return deleted;
    }

    private OwnerDto read(String text) {
        try {
            return json.readValue(text, OwnerDto.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable cache entry", e);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
