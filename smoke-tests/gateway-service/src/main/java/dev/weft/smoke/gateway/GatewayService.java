package dev.weft.smoke.gateway;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

/**
 * Spring Cloud Gateway with no Weft code: route {@code orders} sends {@code /api/orders/**} and
 * route {@code items} sends {@code /api/items/**} to {@code downstream.url} with the {@code /api}
 * prefix stripped. Listens on {@code server.port} (0: a port of its own) and prints {@code
 * gateway-service listening on http://127.0.0.1:<port>} once ready.
 */
@SpringBootApplication
public class GatewayService {

  public static void main(String[] args) {
    SpringApplication.run(GatewayService.class, args);
  }

  @Bean
  RouteLocator routes(RouteLocatorBuilder builder, @Value("${downstream.url}") String downstream) {
    return builder.routes()
        .route("orders", r -> r.path("/api/orders/**").filters(f -> f.stripPrefix(1)).uri(downstream))
        .route("items", r -> r.path("/api/items/**").filters(f -> f.stripPrefix(1)).uri(downstream))
        .build();
  }

  @EventListener(ApplicationReadyEvent.class)
  public void ready(ApplicationReadyEvent event) {
    String port = event.getApplicationContext().getEnvironment().getProperty("local.server.port");
    System.out.println("gateway-service listening on http://127.0.0.1:" + port);
    System.out.flush();
  }
}
