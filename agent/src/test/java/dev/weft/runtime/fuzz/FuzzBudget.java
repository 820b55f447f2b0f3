package dev.weft.runtime.fuzz;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The size of a run of the hostile-input properties. Each property names its CI size in
 * {@code @Property(tries = ...)}, chosen so that all of them together stay well under a minute on
 * two cores; {@code -Dweft.fuzz.long=true} multiplies every one by {@value #LONG_FACTOR} (or by
 * {@code -Dweft.fuzz.factor=N}) for a long run outside CI.
 */
public final class FuzzBudget implements AroundPropertyHook {

  static final int LONG_FACTOR = 100;

  /** How many times the CI size a property runs now. */
  public static int factor() {
    String explicit = System.getProperty("weft.fuzz.factor");
    if (explicit != null) {
      return Math.max(1, Integer.parseInt(explicit.trim()));
    }
    return Boolean.getBoolean("weft.fuzz.long") ? LONG_FACTOR : 1;
  }

  @Override
  public PropertyExecutionResult aroundProperty(
      PropertyLifecycleContext context, PropertyExecutor property) {
    PropertyAttributes attributes = context.attributes();
    int factor = factor();
    if (factor > 1) {
      // Not an @Example (one try): it gives the same input every time.
      attributes.tries().filter(tries -> tries > 1).ifPresent(t -> attributes.setTries(t * factor));
    }
    return property.execute();
  }

  @Override
  public PropagationMode propagateTo() {
    // Registered on a test class, it is meant for every property in it.
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public int aroundPropertyProximity() {
    // Outside jqwik's own hooks, so that the tries are set before the property starts generating.
    return -100;
  }
}
