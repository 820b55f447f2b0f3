package dev.weft.runtime.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class SqlStatementParserTest {

  /** One real-world statement and what the JDBC metrics and spans must get out of it. */
  private static final class Row {
    final String sql;
    final String operation;
    final String table;
    final String sanitized; // null: only the literal check applies
    final List<String> literals;

    Row(String sql, String operation, String table, String sanitized, String... literals) {
      this.sql = sql;
      this.operation = operation;
      this.table = table;
      this.sanitized = sanitized;
      this.literals = Arrays.asList(literals);
    }
  }

  private static final List<Row> ROWS = new ArrayList<>();

  private static void row(
      String sql, String operation, String table, String sanitized, String... literals) {
    ROWS.add(new Row(sql, operation, table, sanitized, literals));
  }

  static {
    // ---- PostgreSQL ----
    row(
        "SELECT id, name FROM users WHERE id = 42",
        "SELECT",
        "users",
        "SELECT id, name FROM users WHERE id = ?",
        "42");
    row(
        "SELECT * FROM public.orders WHERE status = 'shipped' AND total > 99.95",
        "SELECT",
        "public.orders",
        "SELECT * FROM public.orders WHERE status = ? AND total > ?",
        "shipped",
        "99.95");
    row(
        "SELECT * FROM \"Order Items\" WHERE \"Order Id\" = 1234",
        "SELECT",
        "Order Items",
        "SELECT * FROM \"Order Items\" WHERE \"Order Id\" = ?",
        "1234");
    row(
        "SELECT oi.* FROM \"public\".\"Order Items\" oi WHERE oi.qty >= 17",
        "SELECT",
        "public.Order Items",
        "SELECT oi.* FROM \"public\".\"Order Items\" oi WHERE oi.qty >= ?",
        "17");
    row(
        "WITH totals AS (SELECT customer_id, sum(amount) AS s FROM payments"
            + " WHERE paid_at >= '2024-01-01' GROUP BY customer_id)"
            + " SELECT c.name, t.s FROM customers c JOIN totals t ON t.customer_id = c.id"
            + " WHERE t.s > 1000",
        "SELECT",
        "customers",
        "WITH totals AS (SELECT customer_id, sum(amount) AS s FROM payments"
            + " WHERE paid_at >= ? GROUP BY customer_id)"
            + " SELECT c.name, t.s FROM customers c JOIN totals t ON t.customer_id = c.id"
            + " WHERE t.s > ?",
        "2024-01-01",
        "1000");
    row(
        "WITH moved AS (DELETE FROM inbox WHERE received < '2023-06-01' RETURNING *)"
            + " INSERT INTO archive SELECT * FROM moved",
        "INSERT",
        "archive",
        "WITH moved AS (DELETE FROM inbox WHERE received < ? RETURNING *)"
            + " INSERT INTO archive SELECT * FROM moved",
        "2023-06-01");
    row(
        "WITH RECURSIVE tree(id, parent_id) AS (\n"
            + "  SELECT id, parent_id FROM nodes WHERE id = 7731\n"
            + "  UNION ALL\n"
            + "  SELECT n.id, n.parent_id FROM nodes n JOIN tree t ON n.parent_id = t.id\n"
            + ")\n"
            + "SELECT * FROM tree",
        "SELECT",
        "tree",
        "WITH RECURSIVE tree(id, parent_id) AS ( SELECT id, parent_id FROM nodes WHERE id = ?"
            + " UNION ALL SELECT n.id, n.parent_id FROM nodes n JOIN tree t"
            + " ON n.parent_id = t.id ) SELECT * FROM tree",
        "7731");
    row(
        "INSERT INTO inventory (sku, qty) VALUES ('AB-1001', 55) ON CONFLICT (sku)"
            + " DO UPDATE SET qty = inventory.qty + EXCLUDED.qty RETURNING id",
        "INSERT",
        "inventory",
        "INSERT INTO inventory (sku, qty) VALUES (?, ?) ON CONFLICT (sku)"
            + " DO UPDATE SET qty = inventory.qty + EXCLUDED.qty RETURNING id",
        "AB-1001",
        "55");
    row(
        "SELECT data->>'email' FROM accounts WHERE data ?| array['admin', 'owner']"
            + " AND (data#>>'{address,city}') = 'Berlin'",
        "SELECT",
        "accounts",
        "SELECT data->>? FROM accounts WHERE data ?| array[?, ?] AND (data#>>?) = ?",
        "email",
        "admin",
        "owner",
        "address,city",
        "Berlin");
    row(
        "SELECT '42'::int + 8::bigint, amount::numeric(10,2) FROM ledger"
            + " WHERE created::date = '2024-03-15'",
        "SELECT",
        "ledger",
        "SELECT ?::int + ?::bigint, amount::numeric(?,?) FROM ledger WHERE created::date = ?",
        "42",
        "8",
        "10,2",
        "2024-03-15");
    row(
        "SELECT * FROM tags WHERE ids && ARRAY[101,202,303] OR names = ARRAY['red','green']",
        "SELECT",
        "tags",
        "SELECT * FROM tags WHERE ids && ARRAY[?,?,?] OR names = ARRAY[?,?]",
        "101",
        "202",
        "303",
        "red",
        "green");
    row(
        "SELECT $$It's a 'secret' value$$ AS v, $body$ DROP TABLE users; $body$ FROM notes",
        "SELECT",
        "notes",
        "SELECT ? AS v, ? FROM notes",
        "It's",
        "secret",
        "DROP TABLE users",
        "body");
    row(
        "INSERT INTO logs (level, msg) VALUES ('warn', E'line1\\nline2 \\'quoted\\' text')",
        "INSERT",
        "logs",
        "INSERT INTO logs (level, msg) VALUES (?, ?)",
        "warn",
        "line1",
        "quoted",
        "text");
    row(
        "SELECT * FROM measurements WHERE flags & 0x1F = 0x1F AND value < 6.02e23"
            + " AND eps > 1.5E-9 AND ratio = .75",
        "SELECT",
        "measurements",
        "SELECT * FROM measurements WHERE flags & ? = ? AND value < ? AND eps > ?"
            + " AND ratio = ?",
        "0x1F",
        "1F",
        "6.02",
        "e23",
        "1.5E-9",
        "E-9",
        "75");
    row(
        "SELECT id, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM employees"
            + " WHERE hired > '2020-01-01' LIMIT 10 OFFSET 20",
        "SELECT",
        "employees",
        "SELECT id, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM employees"
            + " WHERE hired > ? LIMIT ? OFFSET ?",
        "2020-01-01",
        "10",
        "20");
    row(
        "SELECT t.total FROM (SELECT customer_id, sum(amount) AS total FROM payments"
            + " WHERE status = 'settled' GROUP BY customer_id) t WHERE t.total > 500",
        "SELECT",
        "payments",
        "SELECT t.total FROM (SELECT customer_id, sum(amount) AS total FROM payments"
            + " WHERE status = ? GROUP BY customer_id) t WHERE t.total > ?",
        "settled",
        "500");
    row(
        "SELECT (SELECT max(price) FROM products WHERE cat = 3) AS mx, name FROM categories"
            + " WHERE id = 3",
        "SELECT",
        "categories",
        null,
        "3");
    row(
        "SELECT EXTRACT(YEAR FROM created_at) AS y, count(*) FROM signups GROUP BY 1",
        "SELECT",
        "signups",
        "SELECT EXTRACT(YEAR FROM created_at) AS y, count(*) FROM signups GROUP BY ?",
        "1");
    row(
        "/* app:checkout, user:8812 */ SELECT * FROM carts -- fetch 'all' rows\nWHERE id = 31337",
        "SELECT",
        "carts",
        "SELECT * FROM carts WHERE id = ?",
        "8812",
        "checkout",
        "fetch",
        "31337");
    row(
        "SELECT\n"
            + "  u.id,\n"
            + "  u.email\n"
            + "FROM\n"
            + "  users u\n"
            + "  LEFT JOIN orders o ON o.user_id = u.id\n"
            + "WHERE\n"
            + "  u.email LIKE '%@example.com'\n"
            + "  AND o.total >= 250.00\n"
            + "ORDER BY u.id",
        "SELECT",
        "users",
        "SELECT u.id, u.email FROM users u LEFT JOIN orders o ON o.user_id = u.id"
            + " WHERE u.email LIKE ? AND o.total >= ? ORDER BY u.id",
        "example.com",
        "250");
    row(
        "SELECT id FROM audit WHERE note = 'FROM secrets' AND action = '; DROP TABLE users; --'",
        "SELECT",
        "audit",
        "SELECT id FROM audit WHERE note = ? AND action = ?",
        "secrets",
        "DROP",
        "users");
    row(
        "UPDATE accounts SET balance = balance - 100.50, updated_at = now()"
            + " WHERE id = 'acc_7731' RETURNING balance",
        "UPDATE",
        "accounts",
        "UPDATE accounts SET balance = balance - ?, updated_at = now() WHERE id = ?"
            + " RETURNING balance",
        "100.50",
        "acc_7731");
    row(
        "DELETE FROM sessions WHERE expires_at < now() - INTERVAL '30 minutes'",
        "DELETE",
        "sessions",
        "DELETE FROM sessions WHERE expires_at < now() - INTERVAL ?",
        "30",
        "minutes");
    row(
        "SELECT * FROM ONLY measurements_2024 WHERE sensor = $1 AND reading > $2",
        "SELECT",
        "measurements_2024",
        "SELECT * FROM ONLY measurements_2024 WHERE sensor = $1 AND reading > $2");
    row(
        "SELECT g, s.label FROM generate_series(1, 10) g JOIN slots s ON s.n = g",
        "SELECT",
        "slots",
        "SELECT g, s.label FROM generate_series(?, ?) g JOIN slots s ON s.n = g",
        "10");
    row(
        "CREATE TABLE IF NOT EXISTS app.events (id bigserial PRIMARY KEY,"
            + " kind text NOT NULL DEFAULT 'click', payload jsonb);\n"
            + "CREATE INDEX events_kind_idx ON app.events (kind);",
        "CREATE",
        "app.events",
        "CREATE TABLE IF NOT EXISTS app.events (id bigserial PRIMARY KEY,"
            + " kind text NOT NULL DEFAULT ?, payload jsonb);"
            + " CREATE INDEX events_kind_idx ON app.events (kind);",
        "click");
    row(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx"
            + " ON public.users (lower(email))",
        "CREATE",
        "public.users",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx"
            + " ON public.users (lower(email))");
    row(
        "ALTER TABLE IF EXISTS ONLY orders ADD COLUMN discount numeric(5,2) DEFAULT 0.0",
        "ALTER",
        "orders",
        "ALTER TABLE IF EXISTS ONLY orders ADD COLUMN discount numeric(?,?) DEFAULT ?",
        "0.0",
        "5,2");
    row(
        "DROP TABLE IF EXISTS tmp_import, tmp_export CASCADE",
        "DROP",
        "tmp_import",
        "DROP TABLE IF EXISTS tmp_import, tmp_export CASCADE");
    row(
        "TRUNCATE TABLE staging.raw_events RESTART IDENTITY",
        "TRUNCATE",
        "staging.raw_events",
        "TRUNCATE TABLE staging.raw_events RESTART IDENTITY");
    row("BEGIN", "BEGIN", "", "BEGIN");
    row("COMMIT", "COMMIT", "", "COMMIT");
    row("ROLLBACK TO SAVEPOINT sp1", "ROLLBACK", "", "ROLLBACK TO SAVEPOINT sp1");
    row("SET statement_timeout = 5000", "SET", "", "SET statement_timeout = ?", "5000");
    row("SHOW server_version", "SHOW", "", "SHOW server_version");
    row(
        "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM orders WHERE id = 9001",
        "EXPLAIN",
        "orders",
        "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM orders WHERE id = ?",
        "9001");
    row("SELECT 1", "SELECT", "", "SELECT ?", "1");
    row(
        "INSERT INTO audit_log (actor, details) SELECT user_name, 'bulk import ' || batch_id"
            + " FROM staging_users WHERE batch_id = 88",
        "INSERT",
        "audit_log",
        "INSERT INTO audit_log (actor, details) SELECT user_name, ? || batch_id"
            + " FROM staging_users WHERE batch_id = ?",
        "bulk",
        "88");
    row(
        "SELECT u.name FROM users u WHERE u.id IN (SELECT user_id FROM orders WHERE total > 1e3)",
        "SELECT",
        "users",
        null,
        "1e3");
    row(
        "SELECT count(*) FILTER (WHERE status = 'failed') AS failures FROM jobs"
            + " WHERE queue = 'mail'",
        "SELECT",
        "jobs",
        null,
        "failed",
        "mail");
    row(
        "SELECT * FROM events WHERE payload @> '{\"type\": \"login\"}'::jsonb"
            + " AND tags ?& array['a1','b2']",
        "SELECT",
        "events",
        "SELECT * FROM events WHERE payload @> ?::jsonb AND tags ?& array[?,?]",
        "login",
        "type",
        "a1",
        "b2");
    row(
        "DO $$ BEGIN RAISE NOTICE 'hi'; END $$",
        "OTHER",
        "",
        "DO ?",
        "RAISE",
        "NOTICE",
        "hi");
    row(
        "SELECT 'unterminated FROM secret_table",
        "SELECT",
        "",
        "SELECT ?",
        "unterminated",
        "secret_table");
    row(
        "SELECT * FROM t WHERE a = 'it''s here' AND b = 'x'",
        "SELECT",
        "t",
        "SELECT * FROM t WHERE a = ? AND b = ?",
        "it''s",
        "s here",
        "x");
    row(
        "SELECT col_2, t1.x FROM t1 WHERE col_2 > 3 AND t1.y = -12",
        "SELECT",
        "t1",
        "SELECT col_2, t1.x FROM t1 WHERE col_2 > ? AND t1.y = -?",
        "3",
        "12");
    // PostgreSQL standard strings: the backslash is an ordinary character.
    row(
        "SELECT * FROM files WHERE path = 'C:\\' AND owner = 'root'",
        "SELECT",
        "files",
        "SELECT * FROM files WHERE path = ? AND owner = ?",
        "C:",
        "root");
    row(
        "SELECT * FROM events WHERE tenant = :tenant AND kind IN ('a-1', 'b-2')",
        "SELECT",
        "events",
        "SELECT * FROM events WHERE tenant = :tenant AND kind IN (?, ?)",
        "a-1",
        "b-2");

    // ---- MySQL / MariaDB ----
    row(
        "SELECT `id`, `name` FROM `shop`.`orders` WHERE `status` = 'NEW' LIMIT 20, 10",
        "SELECT",
        "shop.orders",
        "SELECT `id`, `name` FROM `shop`.`orders` WHERE `status` = ? LIMIT ?, ?",
        "NEW",
        "20",
        "10");
    // MySQL's escapes outside the MySQL dialect: read the standard way too, 'Bob \' is a string
    // and "The Builder\" code, and both readings close every string; only what both show is shown
    // (the MySQL dialect shows it whole: SqlHostileInputTest).
    row(
        "INSERT INTO users (email, name) VALUES ('bob@example.com', 'Bob \\'The Builder\\'')"
            + " ON DUPLICATE KEY UPDATE name = VALUES(name)",
        "INSERT",
        "users",
        "INSERT INTO users (email, name) VALUES (?, ??",
        "bob@example.com",
        "Bob",
        "Builder");
    row(
        "INSERT IGNORE INTO page_views SET url = '/home', hits = 1",
        "INSERT",
        "page_views",
        "INSERT IGNORE INTO page_views SET url = ?, hits = ?",
        "/home",
        "1");
    row(
        "INSERT counters VALUES (7, 'clicks')",
        "INSERT",
        "counters",
        "INSERT counters VALUES (?, ?)",
        "7",
        "clicks");
    row(
        "REPLACE INTO kv_store (k, v) VALUES ('session:abc', x'DEADBEEF')",
        "REPLACE",
        "kv_store",
        "REPLACE INTO kv_store (k, v) VALUES (?, ?)",
        "session:abc",
        "DEADBEEF");
    row(
        "UPDATE LOW_PRIORITY products SET stock = stock - 1 WHERE sku = 'X-99' LIMIT 1",
        "UPDATE",
        "products",
        "UPDATE LOW_PRIORITY products SET stock = stock - ? WHERE sku = ? LIMIT ?",
        "X-99",
        "1");
    row(
        "DELETE t1 FROM t1 INNER JOIN t2 ON t1.ref = t2.id WHERE t2.flag = 0",
        "DELETE",
        "t1",
        "DELETE t1 FROM t1 INNER JOIN t2 ON t1.ref = t2.id WHERE t2.flag = ?",
        "0");
    row(
        "SELECT * FROM orders WHERE note = 'C:\\\\temp\\\\new' AND id = 5",
        "SELECT",
        "orders",
        "SELECT * FROM orders WHERE note = ? AND id = ?",
        "C:",
        "temp",
        "\\",
        "5");
    row(
        "SELECT _utf8mb4'caf\u00e9' COLLATE utf8mb4_unicode_ci AS name FROM dual",
        "SELECT",
        "dual",
        "SELECT ? COLLATE utf8mb4_unicode_ci AS name FROM dual",
        "caf\u00e9");
    row(
        "SELECT * FROM users WHERE name = N'Zo\u00eb' AND bits = b'1010'",
        "SELECT",
        "users",
        "SELECT * FROM users WHERE name = ? AND bits = ?",
        "Zo\u00eb",
        "1010");
    row("/*!40101 SET NAMES utf8mb4 */", "OTHER", "", "", "40101", "utf8mb4");
    row(
        "CREATE TABLE IF NOT EXISTS `order_items` (`id` INT AUTO_INCREMENT PRIMARY KEY,"
            + " `price` DECIMAL(10,2) DEFAULT '0.00') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "CREATE",
        "order_items",
        "CREATE TABLE IF NOT EXISTS `order_items` (`id` INT AUTO_INCREMENT PRIMARY KEY,"
            + " `price` DECIMAL(?,?) DEFAULT ?) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "0.00",
        "10");
    row(
        "ALTER TABLE `shop`.`customers` ADD INDEX idx_email (email)",
        "ALTER",
        "shop.customers",
        "ALTER TABLE `shop`.`customers` ADD INDEX idx_email (email)");
    row(
        "DROP INDEX idx_email ON customers",
        "DROP",
        "customers",
        "DROP INDEX idx_email ON customers");
    row(
        "SELECT SQL_CALC_FOUND_ROWS * FROM posts"
            + " WHERE MATCH(title) AGAINST ('+mysql -oracle' IN BOOLEAN MODE) LIMIT 5",
        "SELECT",
        "posts",
        "SELECT SQL_CALC_FOUND_ROWS * FROM posts"
            + " WHERE MATCH(title) AGAINST (? IN BOOLEAN MODE) LIMIT ?",
        "mysql",
        "oracle",
        "5");
    row("START TRANSACTION", "BEGIN", "", "START TRANSACTION");
    row(
        "SELECT * FROM orders o JOIN customers c USING (customer_id)"
            + " WHERE o.placed_at BETWEEN '2024-01-01 00:00:00' AND '2024-01-31 23:59:59'",
        "SELECT",
        "orders",
        null,
        "2024-01-01",
        "00:00:00",
        "23:59:59");
    row(
        "UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.vip = TRUE"
            + " WHERE c.spent > 10000",
        "UPDATE",
        "orders",
        "UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.vip = TRUE"
            + " WHERE c.spent > ?",
        "10000");
    row("LOCK TABLES accounts WRITE", "OTHER", "", "LOCK TABLES accounts WRITE");
    row(
        "SELECT * FROM notes WHERE body = 'it\\'s done' AND tag = 'urgent'",
        "SELECT",
        "notes",
        "SELECT * FROM notes WHERE body = ? AND tag = ?",
        "it",
        "s done",
        "urgent");
    row(
        "SELECT doc->>'$.name' FROM docs WHERE JSON_EXTRACT(doc, '$.age') > 30",
        "SELECT",
        "docs",
        "SELECT doc->>? FROM docs WHERE JSON_EXTRACT(doc, ?) > ?",
        "$.name",
        "$.age",
        "30");
    row(
        "SELECT * FROM `my db`.`user table` WHERE `key` = 'k-123'",
        "SELECT",
        "my db.user table",
        "SELECT * FROM `my db`.`user table` WHERE `key` = ?",
        "k-123");
    row(
        "INSERT INTO events (id, payload) VALUES (0xFF01, '{\"a\": 1}'), (0xFF02, '{\"a\": 2}')",
        "INSERT",
        "events",
        "INSERT INTO events (id, payload) VALUES (?, ?), (?, ?)",
        "0xFF01",
        "FF02",
        "\"a\"");

    // ---- H2 and JDBC escapes ----
    row(
        "MERGE INTO PUBLIC.SETTINGS KEY (NAME) VALUES ('theme', 'dark')",
        "MERGE",
        "PUBLIC.SETTINGS",
        "MERGE INTO PUBLIC.SETTINGS KEY (NAME) VALUES (?, ?)",
        "theme",
        "dark");
    row(
        "MERGE INTO inventory t USING (SELECT sku, qty FROM incoming WHERE batch = 'B7') s"
            + " ON t.sku = s.sku WHEN MATCHED THEN UPDATE SET qty = t.qty + s.qty"
            + " WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (s.sku, s.qty)",
        "MERGE",
        "inventory",
        null,
        "B7");
    row(
        "CREATE CACHED TABLE TEST(ID INT PRIMARY KEY, NAME VARCHAR(255) DEFAULT 'none')",
        "CREATE",
        "TEST",
        "CREATE CACHED TABLE TEST(ID INT PRIMARY KEY, NAME VARCHAR(?) DEFAULT ?)",
        "255",
        "none");
    row(
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'",
        "SELECT",
        "INFORMATION_SCHEMA.TABLES",
        "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?",
        "PUBLIC");
    row("CALL DATABASE_PATH()", "CALL", "DATABASE_PATH", "CALL DATABASE_PATH()");
    row("{call update_stats(?, ?)}", "CALL", "update_stats", "{call update_stats(?, ?)}");
    row(
        "{? = call billing.compute_invoice(?, 'EUR')}",
        "CALL",
        "billing.compute_invoice",
        "{? = call billing.compute_invoice(?, ?)}",
        "EUR");
    row(
        "EXEC dbo.usp_GetOrders @CustomerId = 42, @Status = N'open'",
        "CALL",
        "dbo.usp_GetOrders",
        "EXEC dbo.usp_GetOrders @CustomerId = ?, @Status = ?",
        "42",
        "open");
    row(
        "SELECT [o].[id] FROM [dbo].[orders] AS [o] WHERE [o].[total] > 250",
        "SELECT",
        "dbo.orders",
        "SELECT [o].[id] FROM [dbo].[orders] AS [o] WHERE [o].[total] > ?",
        "250");
    row(
        "SELECT X FROM SYSTEM_RANGE(1, 100)",
        "SELECT",
        "",
        "SELECT X FROM SYSTEM_RANGE(?, ?)",
        "100");
    row(
        "INSERT INTO ACCOUNTS(ID, OWNER, OPENED) VALUES (17, 'Dana', DATE '2021-07-04'),"
            + " (18, 'Eli', TIMESTAMP '2022-02-02 10:00:00')",
        "INSERT",
        "ACCOUNTS",
        "INSERT INTO ACCOUNTS(ID, OWNER, OPENED) VALUES (?, ?, DATE ?), (?, ?, TIMESTAMP ?)",
        "17",
        "Dana",
        "2021-07-04",
        "18",
        "Eli",
        "2022-02-02",
        "10:00:00");
    row(
        "SELECT * FROM (SELECT * FROM (SELECT id FROM deep_table WHERE x = 1) a) b",
        "SELECT",
        "deep_table",
        "SELECT * FROM (SELECT * FROM (SELECT id FROM deep_table WHERE x = ?) a) b",
        "1");
    row(
        "(SELECT id FROM a_table WHERE v = 'p') UNION ALL (SELECT id FROM b_table WHERE v = 'q')",
        "SELECT",
        "a_table",
        "(SELECT id FROM a_table WHERE v = ?) UNION ALL (SELECT id FROM b_table WHERE v = ?)",
        "'p'",
        "'q'");
    row(
        "VALUES (1, 'one'), (2, 'two')",
        "OTHER",
        "",
        "VALUES (?, ?), (?, ?)",
        "1",
        "2",
        "one",
        "two");
    row(
        "SELECT * FROM orders WHERE id = ? AND status IN (?, ?, ?)",
        "SELECT",
        "orders",
        "SELECT * FROM orders WHERE id = ? AND status IN (?, ?, ?)");
    row(
        "SELECT * FROM \"Bestellungen\" WHERE kunde = 'M\u00fcller'",
        "SELECT",
        "Bestellungen",
        "SELECT * FROM \"Bestellungen\" WHERE kunde = ?",
        "M\u00fcller");
    row(
        "EXPLAIN ANALYZE WITH q AS (SELECT id FROM jobs WHERE state = 'stale')"
            + " DELETE FROM queue WHERE job_id IN (SELECT id FROM q)",
        "EXPLAIN",
        "queue",
        null,
        "stale");
    row(
        "CREATE MEMORY LOCAL TEMPORARY TABLE tmp_sums AS SELECT k, SUM(v) FROM src"
            + " WHERE v > 0.5 GROUP BY k",
        "CREATE",
        "tmp_sums",
        null,
        "0.5");
    row(
        "SELECT * FROM users WHERE email = ? -- 'lookup'\n",
        "SELECT",
        "users",
        "SELECT * FROM users WHERE email = ?",
        "lookup");
    row(
        "DROP TABLE IF EXISTS a_old; ALTER TABLE a RENAME TO a_old;"
            + " CREATE TABLE a (id INT DEFAULT 42)",
        "DROP",
        "a_old",
        "DROP TABLE IF EXISTS a_old; ALTER TABLE a RENAME TO a_old;"
            + " CREATE TABLE a (id INT DEFAULT ?)",
        "42");
    row(
        "SELECT * FROM {oj customers c LEFT OUTER JOIN orders o ON c.id = o.customer_id}"
            + " WHERE c.region = 'EU'",
        "SELECT",
        "customers",
        "SELECT * FROM {oj customers c LEFT OUTER JOIN orders o ON c.id = o.customer_id}"
            + " WHERE c.region = ?",
        "EU");
    row(
        "/* trace */ WITH a AS (SELECT 1) UPDATE counters SET n = n + 1 WHERE name = 'hits'",
        "UPDATE",
        "counters",
        "WITH a AS (SELECT ?) UPDATE counters SET n = n + ? WHERE name = ?",
        "1",
        "hits",
        "trace");
    row(
        "SELECT * FROM orders WHERE created > {ts '2024-05-01 12:00:00'} AND note = U&'d\\0061t'",
        "SELECT",
        "orders",
        "SELECT * FROM orders WHERE created > {ts ?} AND note = U&?",
        "2024-05-01",
        "12:00:00",
        "0061");
  }

  @TestFactory
  Stream<DynamicTest> realWorldStatements() {
    return ROWS.stream()
        .map(
            r ->
                DynamicTest.dynamicTest(
                    r.sql,
                    () -> {
                      SqlStatement s = SqlStatementParser.parse(r.sql);
                      assertEquals(r.operation, s.operation(), "operation");
                      assertEquals(r.table, s.table(), "table");
                      if (r.sanitized != null) {
                        assertEquals(r.sanitized, s.sanitized(), "sanitized");
                      }
                      for (String literal : r.literals) {
                        assertFalse(
                            s.sanitized().contains(literal),
                            () -> "literal " + literal + " leaked into: " + s.sanitized());
                      }
                      assertTrue(s.sanitized().length() <= SqlStatementParser.MAX_SANITIZED_LENGTH);
                    }));
  }

  @Test
  void theTableIsLargeEnough() {
    assertTrue(ROWS.size() >= 60, "rows: " + ROWS.size());
    long exact = ROWS.stream().filter(r -> r.sanitized != null).count();
    assertTrue(exact >= 20, "rows with exact sanitized text: " + exact);
  }

  @Test
  void nullAndEmptyAndBlank() {
    for (String sql : new String[] {null, "", "   ", "\n\t", "-- only a comment", "/* c */"}) {
      SqlStatement s = SqlStatementParser.parse(sql);
      assertEquals("OTHER", s.operation(), String.valueOf(sql));
      assertEquals("", s.table());
      assertEquals("", s.sanitized());
    }
    assertEquals("OTHER", SqlStatementParser.parse(";;").operation());
    SqlStatementParser parser = new SqlStatementParser(10);
    assertEquals("OTHER", parser.get(null).operation());
    assertEquals("OTHER", parser.get("").operation());
  }

  @Test
  void unbalancedAndGarbageInputNeverThrows() {
    String[] inputs = {
      "'", "\"", "`", "[", "]", "$$", "$a$", "$", "$1", "/*", "*/", "--", "E'", "N'", "_x'", "x'",
      "\\", "'\\", "'\\'", "0x", "1e", "1e+", ".", ".5", "..", "{", "}", "{?=", "{? = call",
      "{call", "(((((", ")))))", "WITH", "WITH x AS (", "WITH x AS (SELECT 1)", "SELECT * FROM (",
      "SELECT * FROM", "SELECT * FROM (SELECT", "INSERT INTO", "INSERT INTO \"a", "INSERT INTO a.",
      "INSERT INTO a.\"", "CREATE", "CREATE INDEX", "CREATE INDEX i ON", "DROP TABLE IF",
      "EXEC @", "EXEC @rc =", "EXPLAIN", "EXPLAIN (", "UPDATE", "DELETE FROM", "MERGE INTO [",
      "SELECT [a", "SELECT [", "SELECT ARRAY[", "SELECT $tag$ never closed", "SELECT $a$x$b$",
      "SELECT 'a' 'b' 'c", "SELECT \"unclosed FROM t", "SELECT `x", "SELECT /* open FROM t",
      "SELECT 1 -- x", "\u0000\u0001\u0002", "\ud800", "\udc00SELECT", "SELECT \ud83d\ude00 FROM t",
      "FROM", "JOIN", "ON", ".a.b.c", "a.", "SELECT a FROM b.", "SELECT a FROM b.(",
      "SELECT * FROM {oj", "TRUNCATE", "CALL", "@", "?", "=", ";SELECT", "); DROP TABLE x; --",
    };
    for (String sql : inputs) {
      SqlStatement s = assertDoesNotThrow(sql);
      assertNotNull(s.operation());
    }
    assertEquals("SELECT", SqlStatementParser.parse("SELECT \"unclosed FROM t").operation());
    assertEquals("SELECT ?", SqlStatementParser.parse("SELECT \"unclosed FROM t").sanitized());
    assertEquals("SELECT ?", SqlStatementParser.parse("SELECT $tag$ never closed").sanitized());

    Random random = new Random(20240611L);
    String alphabet = "'\"`[]$-/*\\(){};?=.,:0123456789eExXabcFROMSELECT \n\t_@#";
    for (int round = 0; round < 20_000; round++) {
      int length = random.nextInt(120);
      StringBuilder sb = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        if (random.nextInt(8) == 0) {
          sb.append((char) random.nextInt(0x10000));
        } else {
          sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
      }
      assertDoesNotThrow(sb.toString());
    }
  }

  @Test
  void aMegabyteStatementIsHandledQuicklyAndCapped() {
    StringBuilder sb = new StringBuilder("INSERT INTO big_table (id, secret) VALUES ");
    int n = 0;
    while (sb.length() < 1_000_000) {
      sb.append("(987654").append(n % 10).append(", 'classified-").append(n).append("'), ");
      n++;
    }
    sb.append("(1, 'last')");
    String bulk = sb.toString();
    // The ambiguous-backslash variant forces the full scan (and a second one).
    String ambiguous = bulk.replace("'), ", "\\'), ");
    String unterminated = "SELECT * FROM t WHERE a = '" + bulk.replace("'", "");
    String garbage = randomJunk(new Random(7L), 1_100_000);

    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          SqlStatement s = SqlStatementParser.parse(bulk);
          assertEquals("INSERT", s.operation());
          assertEquals("big_table", s.table());
          assertEquals(SqlStatementParser.MAX_SANITIZED_LENGTH, s.sanitized().length());
          assertFalse(s.sanitized().contains("classified"));
          assertFalse(s.sanitized().contains("987654"));

          SqlStatement a = SqlStatementParser.parse(ambiguous);
          assertEquals("INSERT", a.operation());
          assertFalse(a.sanitized().contains("classified"));

          SqlStatement u = SqlStatementParser.parse(unterminated);
          assertEquals("SELECT * FROM t WHERE a = ?", u.sanitized());
          assertEquals("t", u.table());

          SqlStatement g = SqlStatementParser.parse(garbage);
          assertTrue(g.sanitized().length() <= SqlStatementParser.MAX_SANITIZED_LENGTH);
        });
  }

  @Test
  void theCacheReturnsTheSameResultAndStaysBounded() {
    SqlStatementParser parser = new SqlStatementParser(5);
    String sql = "SELECT name FROM users WHERE id = ?";
    SqlStatement first = parser.get(sql);
    assertSame(first, parser.get(new String(sql.toCharArray())));
    assertEquals(SqlStatementParser.parse(sql), first);

    for (int i = 0; i < 100; i++) {
      SqlStatement s = parser.get("SELECT * FROM t" + i + " WHERE x = " + i * 7);
      assertEquals("t" + i, s.table());
      assertTrue(parser.cachedStatements() <= 5, "cached: " + parser.cachedStatements());
    }
    assertTrue(parser.cachedStatements() > 0);
  }

  @Test
  void longStatementsAreParsedButNeverCached() {
    SqlStatementParser parser = new SqlStatementParser(100);
    StringBuilder sb = new StringBuilder("SELECT * FROM wide WHERE id IN (");
    while (sb.length() <= SqlStatementParser.MAX_CACHED_SQL_LENGTH) {
      sb.append("?, ");
    }
    sb.append("?)");
    String sql = sb.toString();
    SqlStatement first = parser.get(sql);
    SqlStatement second = parser.get(sql);
    assertEquals("wide", first.table());
    assertEquals(first, second);
    assertNotSame(first, second);
    assertEquals(0, parser.cachedStatements());
  }

  @Test
  void aDisabledCacheStillParses() {
    SqlStatementParser parser = new SqlStatementParser(0);
    assertEquals("orders", parser.get("DELETE FROM orders WHERE id = 3").table());
    assertEquals(0, parser.cachedStatements());
  }

  @Test
  void tableNamesAreCapped() {
    StringBuilder sb = new StringBuilder("SELECT * FROM \"");
    for (int i = 0; i < 5000; i++) {
      sb.append('n');
    }
    sb.append("\" WHERE a = 1");
    SqlStatement s = SqlStatementParser.parse(sb.toString());
    assertEquals(SqlStatementParser.MAX_TABLE_LENGTH, s.table().length());
  }

  @Test
  void quotedNamesAreUnescaped() {
    assertEquals("a\"b", SqlStatementParser.parse("SELECT * FROM \"a\"\"b\"").table());
    assertEquals("a`b", SqlStatementParser.parse("SELECT * FROM `a``b`").table());
    assertEquals("a]b", SqlStatementParser.parse("SELECT * FROM [a]]b]").table());
  }

  @Test
  void inTheMysqlDialectDoubleQuotedTextIsALiteral() {
    SqlStatementParser mysql = new SqlStatementParser(100, true);
    SqlStatement s =
        mysql.get("SELECT id FROM `users` WHERE name = \"alice\" AND note = \"it\\\"s\" -- x");
    assertEquals("SELECT", s.operation());
    assertEquals("users", s.table());
    assertEquals("SELECT id FROM `users` WHERE name = ? AND note = ?", s.sanitized());
    SqlStatement open = mysql.get("UPDATE t SET a = \"never closed");
    assertEquals("UPDATE", open.operation());
    assertFalse(open.sanitized().contains("never"), open.sanitized());
    // The standard reading keeps "..." as a name.
    assertEquals("users", SqlStatementParser.parse("SELECT * FROM \"users\" WHERE a = 'x'").table());
  }

  private static SqlStatement assertDoesNotThrow(String sql) {
    SqlStatement s =
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(
            () -> SqlStatementParser.parse(sql), () -> "input: " + sql);
    assertNotNull(s);
    assertNotNull(s.table());
    assertNotNull(s.sanitized());
    assertTrue(s.sanitized().length() <= SqlStatementParser.MAX_SANITIZED_LENGTH);
    return s;
  }

  private static String randomJunk(Random random, int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append((char) random.nextInt(0x10000));
    }
    return sb.toString();
  }
}
