package dev.weft.smoke.boot4;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Processes each announced order under Spring's default error handler (a failing record is
 * retried 9 more times, then logged and skipped): logs {@code consumed order <id> item=<item>};
 * an order announced with {@code fail=true} throws there. Otherwise it loads the order (JPA
 * {@code SELECT}), marks it processed (an {@code UPDATE} at commit), refreshes the cache
 * ({@code SET}) and logs {@code processed order <id> item=<item>}.
 */
@Component
public class OrderListener {

  private static final Logger log = LoggerFactory.getLogger(OrderListener.class);

  private final OrderRepository orders;
  private final StringRedisTemplate redis;

  public OrderListener(OrderRepository orders, StringRedisTemplate redis) {
    this.orders = orders;
    this.redis = redis;
  }

  @KafkaListener(topics = "${app.topic}")
  @Transactional
  public void onOrder(ConsumerRecord<String, String> record) {
    String value = record.value();
    String item = field(value, "item");
    log.info("consumed order {} item={}", record.key(), item);
    if ("true".equals(field(value, "fail"))) {
      throw new IllegalStateException("order " + record.key() + " refused");
    }
    PurchaseOrder order =
        orders.findById(Long.parseLong(record.key()))
            .orElseThrow(() -> new IllegalStateException("order " + record.key() + " is not stored"));
    order.markProcessed();
    redis.opsForValue().set(OrderController.cacheKey(order.getId()), order.describe());
    log.info("processed order {} item={}", record.key(), item);
  }

  private static String field(String value, String name) {
    for (String part : value.split(";")) {
      if (part.startsWith(name + "=")) {
        return part.substring(name.length() + 1);
      }
    }
    return "";
  }
}
