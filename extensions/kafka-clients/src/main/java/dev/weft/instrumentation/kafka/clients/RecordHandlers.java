package dev.weft.instrumentation.kafka.clients;

import dev.weft.bootstrap.ClassFilePrefilter;
import java.nio.charset.StandardCharsets;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.description.type.TypeList;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Which application methods process records: those with a parameter of type
 * {@code ConsumerRecord}, {@code ConsumerRecords}, or a {@code List}/{@code Collection}/
 * {@code Iterable} of {@code ConsumerRecord}.
 *
 * <p>Such a method's class file necessarily names {@code org/apache/kafka/clients/consumer/
 * ConsumerRecord} (in a descriptor or a generic signature), so a scan of the bytes of each class
 * being loaded turns away nearly all of them before any parsing; libraries and frameworks (which
 * hand records around without processing them) are left out by name.
 */
final class RecordHandlers {

  static final String RECORD = "org.apache.kafka.clients.consumer.ConsumerRecord";
  static final String RECORDS = "org.apache.kafka.clients.consumer.ConsumerRecords";
  private static final byte[] NEEDLE =
      "org/apache/kafka/clients/consumer/ConsumerRecord".getBytes(StandardCharsets.US_ASCII);

  /** Packages whose code is never an application's record handler. */
  private static final String[] EXCLUDED = {
    "java/", "javax/", "jakarta/", "jdk/", "sun/", "com/sun/", "kotlin/", "scala/",
    "org/apache/kafka/", "org/springframework/", "io/confluent/", "io/opentelemetry/",
    "dev/weft/bootstrap/", "dev/weft/agent/", "dev/weft/runtime/", "dev/weft/instrumentation/",
    "dev/weft/shaded/", "io/micrometer/", "reactor/", "io/smallrye/", "io/vertx/", "akka/",
    "org/apache/flink/", "org/apache/camel/", "brave/", "zipkin2/", "co/elastic/apm/",
    "datadog/", "com/datadoghq/", "io/micronaut/", "io/quarkus/", "org/junit/",
    "org/testcontainers/", "org/mockito/", "net/bytebuddy/", "com/fasterxml/", "org/slf4j/",
    "ch/qos/logback/", "org/apache/logging/"
  };

  private RecordHandlers() {}

  static boolean excluded(String internalName) {
    for (String prefix : EXCLUDED) {
      if (internalName.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** Horspool's shift per byte value: how far the needle may move when that byte ends a window. */
  private static final int[] SHIFT = new int[256];

  static {
    java.util.Arrays.fill(SHIFT, NEEDLE.length);
    for (int i = 0; i < NEEDLE.length - 1; i++) {
      SHIFT[NEEDLE[i] & 0xff] = NEEDLE.length - 1 - i;
    }
  }

  /**
   * Whether the class file contains the needle: a Boyer-Moore-Horspool search, which looks at
   * about one byte in thirty of a class file that does not.
   */
  static boolean mentionsRecords(byte[] classFile) {
    int n = NEEDLE.length;
    int last = n - 1;
    for (int i = 0; i + n <= classFile.length; i += SHIFT[classFile[i + last] & 0xff]) {
      int j = last;
      while (j >= 0 && classFile[i + j] == NEEDLE[j]) {
        j--;
      }
      if (j < 0) {
        return true;
      }
    }
    return false;
  }

  /** The index of the method's first record parameter, or -1. */
  static int recordParameter(MethodDescription method) {
    if (!method.isMethod() || method.isAbstract() || method.isNative() || method.isBridge()) {
      return -1;
    }
    if (method.getName().equals("onConsume")) {
      return -1; // a ConsumerInterceptor's: Kafka runs it inside poll and only logs its exceptions
    }
    int i = 0;
    for (ParameterDescription p : method.getParameters()) {
      if (isRecordType(p.getType())) {
        return i;
      }
      i++;
    }
    return -1;
  }

  private static boolean isRecordType(TypeDescription.Generic type) {
    String erasure = type.asErasure().getName();
    if (erasure.equals(RECORD) || erasure.equals(RECORDS)) {
      return true;
    }
    if (!(erasure.equals("java.util.List")
        || erasure.equals("java.util.Collection")
        || erasure.equals("java.lang.Iterable"))) {
      return false;
    }
    if (type.getSort() != TypeDefinition.Sort.PARAMETERIZED) {
      return false;
    }
    TypeList.Generic arguments = type.getTypeArguments();
    if (arguments.size() != 1) {
      return false;
    }
    TypeDescription.Generic argument = arguments.get(0);
    if (argument.getSort() == TypeDefinition.Sort.WILDCARD) {
      TypeList.Generic upper = argument.getUpperBounds();
      if (upper.isEmpty()) {
        return false;
      }
      argument = upper.get(0);
    }
    if (argument.getSort() == TypeDefinition.Sort.VARIABLE
        || argument.getSort() == TypeDefinition.Sort.WILDCARD) {
      return false;
    }
    return argument.asErasure().getName().equals(RECORD);
  }

  /** Classes declaring at least one record-processing method. */
  static final class TypeMatcher implements ElementMatcher<TypeDescription>, ClassFilePrefilter {

    @Override
    public boolean mayMatch(String internalName, byte[] classFile) {
      return !excluded(internalName) && mentionsRecords(classFile);
    }

    @Override
    public boolean matches(TypeDescription type) {
      if (type.isInterface() && type.getDeclaredMethods().filter(m -> !m.isAbstract()).isEmpty()) {
        return false;
      }
      if (excluded(type.getInternalName())) {
        return false;
      }
      for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
        if (recordParameter(m) >= 0) {
          return true;
        }
      }
      return false;
    }

    @Override
    public String toString() {
      return "declares a method taking Kafka records";
    }
  }

  /** Methods whose first record parameter is at {@code index} (or at {@code index} or later). */
  static final class ParameterAt implements ElementMatcher<MethodDescription> {
    private final int index;
    private final boolean orLater;

    ParameterAt(int index, boolean orLater) {
      this.index = index;
      this.orLater = orLater;
    }

    @Override
    public boolean matches(MethodDescription method) {
      int at = recordParameter(method);
      return orLater ? at >= index : at == index;
    }

    @Override
    public String toString() {
      return "first record parameter at " + index + (orLater ? " or later" : "");
    }
  }
}
