package dev.weft.runtime.install;

import dev.weft.bootstrap.ClassFilePrefilter;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.description.annotation.AnnotationList;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.field.FieldList;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.PackageDescription;
import net.bytebuddy.description.type.RecordComponentDescription;
import net.bytebuddy.description.type.RecordComponentList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.description.type.TypeList;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Sits in front of Byte Buddy's transformer and turns away, for a few nanoseconds, every class
 * that no module can want: a JVM service loads tens of thousands of classes at start-up, and
 * Byte Buddy's own per-class work (about 70 µs each here before the JIT has warmed it up) was
 * Weft's largest start-up cost.
 *
 * <p>The test is exact, whatever the modules' matchers look like: each type matcher is asked
 * about a description that knows only the class's name. A matcher that decides by name (the
 * common {@code named(...)}) answers at once; a matcher that needs anything else (super types,
 * annotations, modifiers) makes the description throw, and the class goes to Byte Buddy, which
 * decides with the full description as before.
 */
final class NameFilteringTransformer extends ResettableClassFileTransformer.WithDelegation {

  private final List<ElementMatcher<? super TypeDescription>> typeMatchers;
  private final ElementMatcher<ClassLoader> weftLoaders;

  NameFilteringTransformer(
      ResettableClassFileTransformer byteBuddy,
      List<ElementMatcher<? super TypeDescription>> typeMatchers,
      ElementMatcher<ClassLoader> weftLoaders) {
    super(byteBuddy);
    this.typeMatchers = typeMatchers;
    this.weftLoaders = weftLoaders;
  }

  static AgentBuilder.TransformerDecorator decorator(
      List<ElementMatcher<? super TypeDescription>> typeMatchers,
      ElementMatcher<ClassLoader> weftLoaders) {
    return byteBuddy -> new NameFilteringTransformer(byteBuddy, typeMatchers, weftLoaders);
  }

  @Override
  public byte[] transform(
      ClassLoader loader,
      String internalName,
      Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain,
      byte[] classFile)
      throws IllegalClassFormatException {
    if (!wanted(loader, internalName, classBeingRedefined, classFile)) {
      return null;
    }
    return classFileTransformer.transform(
        loader, internalName, classBeingRedefined, protectionDomain, classFile);
  }

  @Override
  public byte[] transform(
      Module module,
      ClassLoader loader,
      String internalName,
      Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain,
      byte[] classFile)
      throws IllegalClassFormatException {
    if (!wanted(loader, internalName, classBeingRedefined, classFile)) {
      return null;
    }
    return classFileTransformer.transform(
        module, loader, internalName, classBeingRedefined, protectionDomain, classFile);
  }

  boolean wanted(
      ClassLoader loader, String internalName, Class<?> classBeingRedefined, byte[] classFile) {
    if (classBeingRedefined != null) {
      return true; // retransformation after an attach: Byte Buddy already chose these classes
    }
    return wantedByName(typeMatchers, weftLoaders, loader, internalName, classFile);
  }

  /**
   * Whether a module may want the class {@code internalName} of {@code loader}, by name alone,
   * or, for a matcher that is a {@link ClassFilePrefilter}, by a scan of its class file (none for
   * a class already loaded: such matchers take only classes loaded after Weft).
   */
  static boolean wantedByName(
      List<ElementMatcher<? super TypeDescription>> typeMatchers,
      ElementMatcher<ClassLoader> weftLoaders,
      ClassLoader loader,
      String internalName,
      byte[] classFile) {
    if (internalName == null || weftLoaders.matches(loader)) {
      return false;
    }
    NameOnlyType type = new NameOnlyType(internalName.replace('/', '.'));
    for (ElementMatcher<? super TypeDescription> matcher : typeMatchers) {
      if (matcher instanceof ClassFilePrefilter) {
        try {
          if (classFile != null && ((ClassFilePrefilter) matcher).mayMatch(internalName, classFile)) {
            return true;
          }
        } catch (RuntimeException e) {
          return true; // Byte Buddy and the matcher itself decide
        }
        continue;
      }
      try {
        if (matcher.matches(type)) {
          return true;
        }
      } catch (NameIsNotEnough needsMore) {
        return true;
      }
    }
    return false;
  }

  /** Thrown, without a stack, when a matcher asks a name-only description for more. */
  static final class NameIsNotEnough extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final NameIsNotEnough INSTANCE = new NameIsNotEnough();

    private NameIsNotEnough() {
      super("a type matcher needs more than the class name", null, false, false);
    }
  }

  /** A type description that knows its name and refuses every other question. */
  static final class NameOnlyType extends TypeDescription.Latent {

    NameOnlyType(String name) {
      super(name, 0, null);
    }

    private static NameIsNotEnough more() {
      return NameIsNotEnough.INSTANCE;
    }

    @Override
    public int getModifiers() {
      throw more();
    }

    @Override
    public Generic getSuperClass() {
      throw more();
    }

    @Override
    public TypeList.Generic getInterfaces() {
      throw more();
    }

    @Override
    public AnnotationList getDeclaredAnnotations() {
      throw more();
    }

    @Override
    public AnnotationList getInheritedAnnotations() {
      throw more();
    }

    @Override
    public MethodList<MethodDescription.InDefinedShape> getDeclaredMethods() {
      throw more();
    }

    @Override
    public FieldList<FieldDescription.InDefinedShape> getDeclaredFields() {
      throw more();
    }

    @Override
    public TypeDescription getDeclaringType() {
      throw more();
    }

    @Override
    public TypeDescription getEnclosingType() {
      throw more();
    }

    @Override
    public MethodDescription.InDefinedShape getEnclosingMethod() {
      throw more();
    }

    @Override
    public TypeList getDeclaredTypes() {
      throw more();
    }

    @Override
    public boolean isAnonymousType() {
      throw more();
    }

    @Override
    public boolean isLocalType() {
      throw more();
    }

    @Override
    public TypeList.Generic getTypeVariables() {
      throw more();
    }

    @Override
    public TypeDescription getNestHost() {
      throw more();
    }

    @Override
    public TypeList getNestMembers() {
      throw more();
    }

    @Override
    public TypeList getPermittedSubtypes() {
      throw more();
    }

    @Override
    public RecordComponentList<RecordComponentDescription.InDefinedShape> getRecordComponents() {
      throw more();
    }

    @Override
    public boolean isRecord() {
      throw more();
    }

    @Override
    public PackageDescription getPackage() {
      throw more();
    }
  }
}
