package dev.weft.runtime.dlq;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.util.Map;

/**
 * Defines Weft's Kafka-facing classes ({@code dev.weft.runtime.dlq.io}) next to a
 * kafka-clients copy: Kafka's classes come from {@code kafkaLoader} (the application's, or the
 * {@code dlq} command's), the rest of Weft from Weft's own loader. Weft bundles no Kafka, so the
 * dead letters are read and written with exactly the client, codecs and security providers the
 * application already uses.
 */
public final class KafkaIoLoader extends ClassLoader {

  static {
    registerAsParallelCapable();
  }

  private static final String IO_PACKAGE = "dev.weft.runtime.dlq.io.";
  private final ClassLoader weftLoader;

  public KafkaIoLoader(ClassLoader kafkaLoader) {
    super("weft-kafka-io", kafkaLoader);
    this.weftLoader = KafkaIoLoader.class.getClassLoader();
  }

  /** A {@link KafkaIo} on the cluster that {@code connection} describes. */
  public static KafkaIo open(ClassLoader kafkaLoader, Map<String, Object> connection, String clientId)
      throws ReflectiveOperationException {
    KafkaIoLoader loader = new KafkaIoLoader(kafkaLoader);
    Class<?> type = loader.loadClass(IO_PACKAGE + "KafkaClientIo");
    Constructor<?> constructor = type.getConstructor(Map.class, String.class);
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(kafkaLoader);
    try {
      return (KafkaIo) constructor.newInstance(connection, clientId);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        if (name.startsWith(IO_PACKAGE)) {
          c = define(name);
        } else if (name.startsWith("dev.weft.")) {
          c = weftLoader.loadClass(name);
        } else {
          c = getParent() == null ? findSystemClass(name) : getParent().loadClass(name);
        }
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  private Class<?> define(String name) throws ClassNotFoundException {
    String path = name.replace('.', '/') + ".class";
    try (InputStream in = weftLoader.getResourceAsStream(path)) {
      if (in == null) {
        throw new ClassNotFoundException(name);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) > 0; ) {
        out.write(buffer, 0, n);
      }
      byte[] bytes = out.toByteArray();
      return defineClass(name, bytes, 0, bytes.length, KafkaIoLoader.class.getProtectionDomain());
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
  }
}
