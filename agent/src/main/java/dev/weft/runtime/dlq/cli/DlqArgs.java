package dev.weft.runtime.dlq.cli;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The arguments of {@code dlq replay} and {@code dlq inspect}. Options take their value as the
 * next argument or after {@code =} ({@code --from orders.dlq}, {@code --from=orders.dlq}).
 */
final class DlqArgs {

  /** A bad argument: the message is the one line the user sees (exit code 2). */
  static final class BadArgument extends Exception {
    private static final long serialVersionUID = 1L;

    BadArgument(String message) {
      super(message);
    }
  }

  static final String REPLAY = "replay";
  static final String INSPECT = "inspect";
  private static final List<String> REPLAY_OPTIONS =
      Arrays.asList("--bootstrap", "--from", "--to", "--filter", "--kafka-clients", "--config");
  private static final List<String> INSPECT_OPTIONS =
      Arrays.asList(
          "--bootstrap", "--from", "--filter", "--limit", "--kafka-clients", "--config", "--spool");

  /** {@code replay}, {@code inspect}, or null for help. */
  String command;
  String bootstrap;
  String from;
  String to;
  final List<DlqFilter> filters = new ArrayList<>();
  /** The most dead letters inspect prints, or -1 for all. */
  long limit = -1;
  String kafkaClients;
  File config;
  /** {@code inspect --spool DIR}: the spool directory to print instead of a topic. */
  File spool;

  static DlqArgs parse(String[] args) throws BadArgument {
    DlqArgs a = new DlqArgs();
    if (args.length == 0) {
      throw new BadArgument("dlq needs a subcommand: replay or inspect; try dlq --help");
    }
    String command = args[0];
    if (help(command)) {
      return a;
    }
    if (!command.equals(REPLAY) && !command.equals(INSPECT)) {
      throw new BadArgument("unknown dlq subcommand '" + command + "'; accepted: replay, inspect");
    }
    String prefix = "dlq " + command + ": ";
    List<String> accepted = command.equals(REPLAY) ? REPLAY_OPTIONS : INSPECT_OPTIONS;
    List<String> seen = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (help(arg)) {
        return a;
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (!accepted.contains(name)) {
        String what =
            arg.startsWith("-")
                ? "unknown option '" + name + "'"
                : "unexpected argument '" + arg + "'";
        throw new BadArgument(prefix + what + "; accepted: " + String.join(", ", accepted));
      }
      if (value == null) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new BadArgument(prefix + name + " needs a value: " + valueSyntax(name));
        }
        value = args[++i];
      }
      if (!name.equals("--filter") && seen.contains(name)) {
        throw new BadArgument(
            prefix + name + " is given twice; it takes one value: " + valueSyntax(name));
      }
      seen.add(name);
      a.set(prefix, name, value);
    }
    a.command = command;
    if (a.spool != null) {
      if (a.bootstrap != null || a.from != null) {
        throw new BadArgument(prefix + "--spool reads a spool directory, without --bootstrap or --from");
      }
      return a;
    }
    if (a.bootstrap == null) {
      throw new BadArgument(prefix + "--bootstrap is missing: " + valueSyntax("--bootstrap"));
    }
    if (a.from == null) {
      throw new BadArgument(prefix + "--from is missing: " + valueSyntax("--from"));
    }
    return a;
  }

  private static boolean help(String arg) {
    return arg.equals("help") || arg.equals("--help") || arg.equals("-h");
  }

  private void set(String prefix, String name, String value) throws BadArgument {
    String v = value.trim();
    if (v.isEmpty()) {
      throw new BadArgument(prefix + name + " needs a value: " + valueSyntax(name));
    }
    switch (name) {
      case "--bootstrap":
        for (String server : v.split(",")) {
          if (!server.trim().matches("\\S+:\\d{1,5}")) {
            throw new BadArgument(
                prefix + "--bootstrap takes HOST:PORT[,HOST:PORT...], got '" + value + "'");
          }
        }
        bootstrap = v;
        break;
      case "--from":
        from = v;
        break;
      case "--to":
        to = v;
        break;
      case "--filter":
        try {
          filters.add(DlqFilter.parse(v));
        } catch (IllegalArgumentException e) {
          throw new BadArgument(prefix + "--filter: " + e.getMessage());
        }
        break;
      case "--limit":
        try {
          limit = Long.parseLong(v);
        } catch (NumberFormatException e) {
          limit = 0;
        }
        if (limit <= 0) {
          throw new BadArgument(
              prefix + "--limit takes a whole number of 1 or more, got '" + value + "'");
        }
        break;
      case "--kafka-clients":
        kafkaClients = v;
        break;
      case "--spool":
        spool = new File(v);
        break;
      default: // --config
        config = new File(v);
        break;
    }
  }

  private static String valueSyntax(String option) {
    switch (option) {
      case "--bootstrap":
        return "--bootstrap HOST:PORT[,HOST:PORT...]";
      case "--filter":
        return "--filter " + DlqFilter.ACCEPTED;
      case "--limit":
        return "--limit N (1 or more)";
      case "--kafka-clients":
        return "--kafka-clients JAR_OR_DIR[" + File.pathSeparator + "JAR_OR_DIR...]";
      case "--config":
        return "--config FILE (Java properties)";
      case "--spool":
        return "--spool DIR (a weft.dlq.spool.dir)";
      default:
        return option + " TOPIC";
    }
  }

  boolean help() {
    return command == null;
  }

  /**
   * The client settings: those of the {@code --config} file, if any, with {@code bootstrap.servers}
   * from {@code --bootstrap}.
   */
  Map<String, Object> connection() throws BadArgument {
    Map<String, Object> connection = new TreeMap<>();
    if (config != null) {
      Properties properties = new Properties();
      try (Reader in = Files.newBufferedReader(config.toPath(), StandardCharsets.UTF_8)) {
        properties.load(in);
      } catch (IOException | RuntimeException e) {
        throw new BadArgument(
            "dlq " + command + ": --config takes a readable Java properties file; cannot read "
                + config + " (" + (e instanceof NoSuchFileException ? "no such file" : e.toString())
                + ")");
      }
      for (String key : properties.stringPropertyNames()) {
        connection.put(key, properties.getProperty(key).trim());
      }
    }
    connection.put("bootstrap.servers", bootstrap);
    return connection;
  }
}
