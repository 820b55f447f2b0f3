package dev.weft.instrumentation.kafka.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.orders.Handlers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatchers;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Which classes and methods are record handlers, decided on real compiled classes: their class
 * files for the prefilter, Byte Buddy's descriptions of them for the matchers.
 */
class RecordHandlersTest {

  private final RecordHandlers.TypeMatcher matcher = new RecordHandlers.TypeMatcher();

  /** A handler in Weft's own package: left out by name whatever it declares. */
  static class InWeftsOwnPackage {
    void handle(ConsumerRecord<String, String> record) {}
  }

  private static byte[] classFile(Class<?> type) {
    String name = type.getName();
    String resource = name.substring(name.lastIndexOf('.') + 1) + ".class";
    try (InputStream in = type.getResourceAsStream(resource)) {
      assertNotNull(in, resource);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String internalName(Class<?> type) {
    return type.getName().replace('.', '/');
  }

  private boolean mayMatch(Class<?> type) {
    return matcher.mayMatch(internalName(type), classFile(type));
  }

  private boolean matches(Class<?> type) {
    return matcher.matches(TypeDescription.ForLoadedType.of(type));
  }

  private static MethodDescription.InDefinedShape method(Class<?> type, String name) {
    MethodList<MethodDescription.InDefinedShape> found =
        TypeDescription.ForLoadedType.of(type)
            .getDeclaredMethods()
            .filter(ElementMatchers.named(name).and(ElementMatchers.not(ElementMatchers.isBridge())));
    assertEquals(1, found.size(), type + "#" + name);
    return found.getOnly();
  }

  private static int recordParameter(Class<?> type, String name) {
    return RecordHandlers.recordParameter(method(type, name));
  }

  @Test
  void classFilesOfHandlersMayMatch() {
    for (Class<?> c :
        new Class<?>[] {
          Handlers.TakesRecord.class,
          Handlers.TakesRecords.class,
          Handlers.TakesListOfRecords.class,
          Handlers.TakesCollectionOfSubtypes.class,
          Handlers.TakesIterableOfRecords.class,
          Handlers.RecordSecond.class,
          Handlers.RecordFourth.class,
        }) {
      assertTrue(mayMatch(c), c.getName());
      assertTrue(matches(c), c.getName());
    }
  }

  @Test
  void classFilesWithoutKafkaTypesAreTurnedAway() {
    assertFalse(mayMatch(Handlers.NoKafka.class));
    assertFalse(mayMatch(Handlers.ListOfStrings.class));
    assertFalse(mayMatch(Handlers.RawList.class), "a raw List names no record type");
    assertFalse(matcher.mayMatch("com/example/Empty", new byte[0]));
    assertFalse(
        matcher.mayMatch(
            "com/example/Almost",
            "org/apache/kafka/clients/consumer/ConsumerRecor".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)));
    assertTrue(
        matcher.mayMatch(
            "com/example/Exact",
            "org/apache/kafka/clients/consumer/ConsumerRecord".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)),
        "the name at the very end of the bytes is found");
  }

  @Test
  void excludedPackagesAreTurnedAwayWhateverTheyHold() {
    byte[] handler = classFile(Handlers.TakesRecord.class);
    assertTrue(matcher.mayMatch("com/example/orders/Handlers$TakesRecord", handler));
    for (String name :
        new String[] {
          "org/apache/kafka/clients/consumer/internals/Fetcher",
          "org/apache/kafka/Foo",
          "org/springframework/kafka/listener/KafkaMessageListenerContainer",
          "java/util/Foo",
          "javax/Foo",
          "io/confluent/Foo",
          "dev/weft/instrumentation/kafka/clients/Foo",
          "dev/weft/runtime/dlq/DeadLetters",
        }) {
      assertFalse(matcher.mayMatch(name, handler), name);
      assertTrue(RecordHandlers.excluded(name), name);
    }
    assertFalse(RecordHandlers.excluded("com/example/orders/Handlers"));
    assertFalse(RecordHandlers.excluded("org/apache/kafkaesque/Handler"), "a prefix ends at '/'");

    // the type matcher applies the same rule to a class's own name
    assertFalse(mayMatch(InWeftsOwnPackage.class));
    assertFalse(matches(InWeftsOwnPackage.class));
    assertEquals(0, recordParameter(InWeftsOwnPackage.class, "handle"));
  }

  @Test
  void aRecordInCodeFieldsOrReturnTypesOnlyIsNoHandler() {
    assertTrue(mayMatch(Handlers.LocalVariableOnly.class), "its bytes name the record class");
    assertFalse(matches(Handlers.LocalVariableOnly.class));
    assertTrue(mayMatch(Handlers.FieldOnly.class));
    assertFalse(matches(Handlers.FieldOnly.class));
    assertTrue(mayMatch(Handlers.ConstructorOnly.class));
    assertFalse(matches(Handlers.ConstructorOnly.class), "a constructor is not a handler method");
  }

  @Test
  void collectionsOfOtherThingsAreNoHandlers() {
    assertFalse(matches(Handlers.ListOfStrings.class));
    assertFalse(matches(Handlers.RawList.class));
    assertFalse(matches(Handlers.UnboundedWildcard.class));
    assertFalse(matches(Handlers.TypeVariableList.class));
    assertFalse(matches(Handlers.NoKafka.class));
    assertEquals(-1, recordParameter(Handlers.ListOfStrings.class, "names"));
    assertEquals(-1, recordParameter(Handlers.UnboundedWildcard.class, "any"));
    assertEquals(-1, recordParameter(Handlers.TypeVariableList.class, "generic"));
  }

  @Test
  void abstractMethodsAreNoHandlers() {
    assertTrue(mayMatch(Handlers.AbstractOnly.class));
    assertFalse(matches(Handlers.AbstractOnly.class));
    assertEquals(-1, recordParameter(Handlers.AbstractOnly.class, "handle"));
    assertTrue(mayMatch(Handlers.InterfaceOnly.class));
    assertFalse(matches(Handlers.InterfaceOnly.class));
    assertTrue(matches(Handlers.InterfaceWithDefault.class), "a default method has a body");
  }

  @Test
  void bridgeMethodsAreNoHandlers() {
    TypeDescription type = TypeDescription.ForLoadedType.of(Handlers.BridgeOnly.class);
    List<MethodDescription.InDefinedShape> bridges = new ArrayList<>();
    for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
      if (m.isBridge()) {
        bridges.add(m);
      }
    }
    assertEquals(1, bridges.size(), type.getDeclaredMethods().toString());
    MethodDescription.InDefinedShape bridge = bridges.get(0);
    assertEquals(
        RecordHandlers.RECORD, bridge.getParameters().get(0).getType().asErasure().getName(),
        "the bridge takes a ConsumerRecord");
    assertEquals(-1, RecordHandlers.recordParameter(bridge));
    assertEquals(-1, recordParameter(Handlers.BridgeOnly.class, "handle"), "a subclass is not the record type");

    assertTrue(mayMatch(Handlers.BridgeOnly.class));
    assertFalse(matches(Handlers.BridgeOnly.class));
    assertTrue(matches(Handlers.Base.class), "the erasure of R is ConsumerRecord");
  }

  @Test
  void recordParameterIsTheIndexOfTheFirstRecordParameter() {
    assertEquals(0, recordParameter(Handlers.TakesRecord.class, "handle"));
    assertEquals(0, recordParameter(Handlers.TakesRecords.class, "poll"));
    assertEquals(0, recordParameter(Handlers.TakesListOfRecords.class, "batch"));
    assertEquals(0, recordParameter(Handlers.TakesCollectionOfSubtypes.class, "batch"));
    assertEquals(0, recordParameter(Handlers.TakesIterableOfRecords.class, "each"));
    assertEquals(0, recordParameter(Handlers.StaticHandler.class, "handle"));
    assertEquals(1, recordParameter(Handlers.RecordSecond.class, "on"));
    assertEquals(3, recordParameter(Handlers.RecordFourth.class, "on"));
    assertEquals(-1, recordParameter(Handlers.NoKafka.class, "run"));
    assertEquals(-1, recordParameter(Handlers.FieldOnly.class, "last"));
  }

  @Test
  void parameterAtPicksTheAdviceForEachPosition() {
    MethodDescription first = method(Handlers.TakesRecord.class, "handle");
    MethodDescription second = method(Handlers.RecordSecond.class, "on");
    MethodDescription fourth = method(Handlers.RecordFourth.class, "on");
    MethodDescription none = method(Handlers.NoKafka.class, "run");

    RecordHandlers.ParameterAt at0 = new RecordHandlers.ParameterAt(0, false);
    RecordHandlers.ParameterAt at1 = new RecordHandlers.ParameterAt(1, false);
    RecordHandlers.ParameterAt at2 = new RecordHandlers.ParameterAt(2, false);
    RecordHandlers.ParameterAt later = new RecordHandlers.ParameterAt(3, true);

    assertTrue(at0.matches(first));
    assertFalse(at1.matches(first));
    assertFalse(later.matches(first));
    assertTrue(at1.matches(second));
    assertFalse(at0.matches(second));
    assertFalse(at2.matches(fourth));
    assertTrue(later.matches(fourth));
    for (RecordHandlers.ParameterAt m : new RecordHandlers.ParameterAt[] {at0, at1, at2, later}) {
      assertFalse(m.matches(none), m.toString());
    }
  }
}
