package dev.weft.smoke.boot4;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * An ordinary order service on Spring Boot 4.0, with nothing in it that knows about Weft: Spring
 * MVC on Tomcat 11 ({@link OrderController}), Spring Data JPA on PostgreSQL through HikariCP
 * ({@link OrderRepository}), Spring Data Redis on Lettuce as a cache, a {@code KafkaTemplate}
 * announcing each new order and a {@code @KafkaListener} processing it ({@link OrderListener}),
 * Logback through Spring Boot's defaults.
 *
 * <p>Run with {@code --app.bootstrap=<kafka servers> --app.topic=<topic> --app.group=<group>};
 * PostgreSQL ({@code 127.0.0.1:5432/test}) and Redis ({@code 127.0.0.1:6379}) come from
 * application.properties. It binds a port of its own and prints {@code boot4-service listening on
 * http://127.0.0.1:<port>} once ready.
 */
@SpringBootApplication
public class OrderService {

  public static void main(String[] args) {
    SpringApplication.run(OrderService.class, args);
  }

  @EventListener(ApplicationReadyEvent.class)
  public void ready(ApplicationReadyEvent event) {
    String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
    System.out.println("boot4-service listening on http://127.0.0.1:" + port);
  }
}
