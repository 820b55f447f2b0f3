package dev.weft.runtime.dlq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The arguments of {@code dlq replay} and {@code dlq inspect}. */
class DlqArgsTest {

  private static DlqArgs parse(String... args) throws DlqArgs.BadArgument {
    return DlqArgs.parse(args);
  }

  private static String bad(String... args) {
    return assertThrows(DlqArgs.BadArgument.class, () -> DlqArgs.parse(args)).getMessage();
  }

  @Test
  void readsReplay() throws Exception {
    DlqArgs a =
        parse(
            "replay", "--bootstrap", "kafka-1:9092,kafka-2:9092", "--from", "orders.dlq",
            "--to=orders", "--filter", "exception=IllegalStateException", "--filter=partition=2",
            "--kafka-clients", "/opt/kafka/libs", "--config", "client.properties");
    assertEquals("replay", a.command);
    assertEquals("kafka-1:9092,kafka-2:9092", a.bootstrap);
    assertEquals("orders.dlq", a.from);
    assertEquals("orders", a.to);
    assertEquals(2, a.filters.size());
    assertEquals("exception=IllegalStateException", a.filters.get(0).toString());
    assertEquals("partition=2", a.filters.get(1).toString());
    assertEquals("/opt/kafka/libs", a.kafkaClients);
    assertEquals(new File("client.properties"), a.config);
    assertEquals(-1, a.limit);
  }

  @Test
  void readsInspect() throws Exception {
    DlqArgs a = parse("inspect", "--from", "x.dlq", "--bootstrap", "localhost:9092", "--limit", "5");
    assertEquals("inspect", a.command);
    assertEquals(5, a.limit);
    assertNull(a.to);
    assertTrue(a.filters.isEmpty());
  }

  @Test
  void help() throws Exception {
    assertTrue(parse("--help").help());
    assertTrue(parse("help").help());
    assertTrue(parse("replay", "-h").help());
  }

  @Test
  void badArgumentsNameTheOptionAndWhatIsAccepted() {
    assertTrue(bad().contains("replay or inspect"));
    assertTrue(bad("purge").contains("accepted: replay, inspect"));
    String m = bad("replay", "--bootstrap", "h:1", "--from", "a", "--limit", "3");
    assertTrue(m.contains("unknown option '--limit'") && m.contains("--to"), m);
    m = bad("inspect", "--bootstrap", "h:1", "--from", "a", "--to", "b");
    assertTrue(m.contains("unknown option '--to'") && m.contains("--limit"), m);
    m = bad("inspect", "--bootstrap", "h:1", "--from", "a", "extra");
    assertTrue(m.contains("unexpected argument 'extra'"), m);
    m = bad("replay", "--from", "a");
    assertTrue(m.contains("--bootstrap is missing") && m.contains("HOST:PORT"), m);
    m = bad("replay", "--bootstrap", "h:1");
    assertTrue(m.contains("--from is missing"), m);
    m = bad("replay", "--bootstrap", "localhost", "--from", "a");
    assertTrue(m.contains("--bootstrap takes HOST:PORT"), m);
    m = bad("replay", "--bootstrap", "h:1", "--from");
    assertTrue(m.contains("--from needs a value"), m);
    m = bad("replay", "--bootstrap", "--from", "a");
    assertTrue(m.contains("--bootstrap needs a value"), m);
    m = bad("replay", "--bootstrap", "h:1", "--from", "a", "--from", "b");
    assertTrue(m.contains("--from is given twice"), m);
    m = bad("replay", "--bootstrap", "h:1", "--from", "a", "--filter", "offset=3");
    assertTrue(m.contains("--filter") && m.contains("exception=NAME, topic=T or partition=N"), m);
    for (String limit : new String[] {"0", "-2", "ten"}) {
      m = bad("inspect", "--bootstrap", "h:1", "--from", "a", "--limit", limit);
      assertTrue(m.contains("--limit takes a whole number of 1 or more"), m);
    }
    m = bad("inspect", "--bootstrap", "h:1", "--from=", "--limit", "1");
    assertTrue(m.contains("--from needs a value"), m);
  }

  @Test
  void connectionMergesTheConfigFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("client.properties");
    Files.write(
        file,
        ("security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
                + "username=\"u\" password=\"p\";\nbootstrap.servers=ignored:1\n")
            .getBytes(StandardCharsets.UTF_8));
    Map<String, Object> c =
        parse("inspect", "--bootstrap", "h:9092", "--from", "a", "--config", file.toString()).connection();
    assertEquals("h:9092", c.get("bootstrap.servers"));
    assertEquals("SASL_SSL", c.get("security.protocol"));
    assertEquals("PLAIN", c.get("sasl.mechanism"));
    assertTrue(((String) c.get("sasl.jaas.config")).endsWith("password=\"p\";"));

    assertEquals(
        "h:9092", parse("inspect", "--bootstrap", "h:9092", "--from", "a").connection().get("bootstrap.servers"));

    DlqArgs missing =
        parse("inspect", "--bootstrap", "h:9092", "--from", "a", "--config", dir.resolve("nope").toString());
    String m = assertThrows(DlqArgs.BadArgument.class, missing::connection).getMessage();
    assertTrue(m.contains("--config") && m.contains("no such file"), m);
  }
}
