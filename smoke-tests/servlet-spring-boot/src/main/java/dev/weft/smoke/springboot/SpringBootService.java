package dev.weft.smoke.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * Spring MVC on Spring Boot's embedded Tomcat. Run with {@code --server.port=<port>}.
 *
 * <ul>
 *   <li>{@code GET /users/{id}}: 200 with the id; ids starting with "x" are 404 (resolved by
 *       Spring, so the route is still the matched pattern).
 *   <li>{@code GET /users/{id}/orders/{orderId}}: 200.
 *   <li>{@code GET /users/{id}/fail}: throws, so Spring Boot's error page answers 500.
 * </ul>
 */
@SpringBootApplication
@RestController
public class SpringBootService {

  public static void main(String[] args) {
    SpringApplication.run(SpringBootService.class, args);
  }

  @EventListener(ApplicationReadyEvent.class)
  public void ready(ApplicationReadyEvent event) {
    String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
    System.out.println("servlet-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }

  @GetMapping("/users/{id}")
  public String user(@PathVariable String id) {
    if (id.startsWith("x")) {
      throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no such user");
    }
    return "user " + id;
  }

  @GetMapping("/users/{id}/orders/{orderId}")
  public String order(@PathVariable String id, @PathVariable String orderId) {
    return "order " + orderId + " of " + id;
  }

  @GetMapping("/users/{id}/fail")
  public String fail(@PathVariable String id) {
    throw new IllegalStateException("failing on purpose for " + id);
  }
}
