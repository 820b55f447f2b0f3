package dev.weft.smoke.boot4;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The HTTP side.
 *
 * <ul>
 *   <li>{@code POST /orders} with {@code {"item": "...", "quantity": n, "fail": false}}: inserts
 *       the order (JPA), caches it ({@code SET}) and reads the cache back ({@code GET}), then
 *       announces it on the topic ({@code KafkaTemplate}, waiting for the acknowledgement); 201
 *       with the order's id. The record's key is the id, its value {@code
 *       id=<id>;item=<item>;fail=<fail>}: the listener refuses an order sent with {@code
 *       "fail": true}. Logs four lines.
 *   <li>{@code GET /orders/{id}}: from the cache ({@code GET}); on a miss from the database
 *       (JPA), then cached ({@code SET}); 404 when there is no such order. Logs one line.
 *   <li>{@code GET /orders/{id}/explode}: logs one line and throws: 500.
 * </ul>
 */
@RestController
public class OrderController {

  private static final Logger log = LoggerFactory.getLogger(OrderController.class);

  /** The body of {@code POST /orders}. */
  public record NewOrder(String item, int quantity, boolean fail) {}

  private final OrderRepository orders;
  private final StringRedisTemplate redis;
  private final KafkaTemplate<String, String> kafka;
  private final String topic;

  public OrderController(
      OrderRepository orders,
      StringRedisTemplate redis,
      KafkaTemplate<String, String> kafka,
      @Value("${app.topic}") String topic) {
    this.orders = orders;
    this.redis = redis;
    this.kafka = kafka;
    this.topic = topic;
  }

  static String cacheKey(long id) {
    return "boot4:order:" + id;
  }

  @PostMapping("/orders")
  public ResponseEntity<String> create(@RequestBody NewOrder request) throws Exception {
    log.info("create order item={}", request.item());
    PurchaseOrder order = orders.save(new PurchaseOrder(request.item(), request.quantity()));
    long id = order.getId();
    log.info("order {} stored item={}", id, request.item());
    redis.opsForValue().set(cacheKey(id), order.describe());
    String cached = redis.opsForValue().get(cacheKey(id));
    log.info("order {} cached item={} ({})", id, request.item(), cached != null);
    String value = "id=" + id + ";item=" + request.item() + ";fail=" + request.fail();
    RecordMetadata sent =
        kafka.send(topic, Long.toString(id), value).get(30, TimeUnit.SECONDS).getRecordMetadata();
    log.info("order {} sent item={} to {}-{}@{}", id, request.item(), sent.topic(), sent.partition(),
        sent.offset());
    return ResponseEntity.status(HttpStatus.CREATED).body(Long.toString(id));
  }

  @GetMapping("/orders/{id}")
  public String get(@PathVariable long id) {
    String cached = redis.opsForValue().get(cacheKey(id));
    if (cached != null) {
      log.info("get order {}: from the cache", id);
      return cached;
    }
    PurchaseOrder order =
        orders.findById(id)
            .orElseThrow(() -> {
              log.info("get order {}: no such order", id);
              return new ResponseStatusException(HttpStatus.NOT_FOUND, "no order " + id);
            });
    redis.opsForValue().set(cacheKey(id), order.describe());
    log.info("get order {}: from the database", id);
    return order.describe();
  }

  @GetMapping("/orders/{id}/explode")
  public String explode(@PathVariable long id) {
    log.info("explode order {}", id);
    throw new IllegalStateException("order " + id + " exploded");
  }
}
