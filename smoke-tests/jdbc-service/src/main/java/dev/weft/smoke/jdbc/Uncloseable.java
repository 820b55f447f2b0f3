package dev.weft.smoke.jdbc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;

/**
 * The service's single connection, handed out where a pool would hand out one of its own: a
 * dynamic proxy whose {@code close()} does nothing and whose every other call goes to the real
 * connection (so statements are the driver's own, as without a pool).
 */
final class Uncloseable {

  private final Connection target;

  Uncloseable(Connection target) {
    this.target = target;
  }

  Connection connection() {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close") && method.getParameterCount() == 0) {
                return null;
              }
              try {
                return method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
