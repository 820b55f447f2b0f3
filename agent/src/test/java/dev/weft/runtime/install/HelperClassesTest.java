package dev.weft.runtime.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

class HelperClassesTest {

  private final ClassLoader loader = HelperClassesTest.class.getClassLoader();

  @Test
  void helpersThatNameOnlyJdkTypesGoToTheBootLoaderWithTheirNestedClasses() {
    HelperClasses helpers =
        HelperClasses.of("m", loader, List.of(JdkOnlyHelper.class.getName()));
    assertTrue(helpers.jdkOnly());
    assertEquals(
        Set.of(JdkOnlyHelper.class.getName(), JdkOnlyHelper.State.class.getName()),
        helpers.names());
  }

  @Test
  void helpersTypedAgainstALibraryGoNextToIt() {
    HelperClasses helpers =
        HelperClasses.of("m", loader, List.of(LibraryTypedHelper.class.getName()));
    assertFalse(helpers.jdkOnly());
  }

  @Test
  void aModuleNamingAHelperItDoesNotHoldIsRefused() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> HelperClasses.of("m", loader, List.of("dev.weft.NoSuchHelper")));
    assertTrue(e.getMessage().contains("dev.weft.NoSuchHelper"), e.getMessage());
  }
}

/** Top level, as real helpers are: a nested one would name its outer class. */
final class JdkOnlyHelper implements Callable<String> {
  private final State state = new State();

  @Override
  public String call() {
    return state.name + dev.weft.bootstrap.WeftBridge.isInstalled();
  }

  static final class State {
    String name = "x";
  }
}

/** Names a type the boot loader does not define (JUnit's, standing in for a library's). */
final class LibraryTypedHelper {
  Object test() {
    return Test.class;
  }
}
