package dev.weft.instrumentation.jdbc;

import io.opentelemetry.javaagent.extension.instrumentation.InstrumentationModule;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import java.util.Arrays;
import java.util.List;

/**
 * RED metrics and spans for every JDBC driver: advice on the implementations of
 * {@code java.sql.Statement} (and so {@code PreparedStatement}, {@code CallableStatement}) and on
 * {@code Connection.prepareStatement}/{@code prepareCall}, which tell which SQL a prepared
 * statement runs. Drivers and pools are matched through the interfaces, not by name.
 */
public final class JdbcInstrumentationModule extends InstrumentationModule {

  public JdbcInstrumentationModule() {
    super("jdbc");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return Arrays.asList(new StatementInstrumentation(), new ConnectionInstrumentation());
  }
}
