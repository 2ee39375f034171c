package dev.securecart.core.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a local {@link RedisCluster}: add
 * {@code @ExtendWith(RedisClusterExtension.class)} (and {@link RedisClusterShape} to change its
 * shape) and declare a {@code RedisCluster} parameter on a test, lifecycle method or constructor.
 * One cluster per test class, started on first use and stopped when the class ends; tests in the
 * class share it, so give each its own key prefix.
 */
public final class RedisClusterExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(RedisClusterExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RedisCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> testClass = context.getRequiredTestClass();
    ExtensionContext classContext = classContext(context, testClass);
    RedisClusterShape shape = testClass.getAnnotation(RedisClusterShape.class);
    int masters = shape == null ? 3 : shape.masters();
    int replicas = shape == null ? 0 : shape.replicasPerMaster();
    return classContext
        .getStore(STORE)
        .getOrComputeIfAbsent(
            "cluster", key -> RedisCluster.start(masters, replicas), RedisCluster.class);
  }

  private static ExtensionContext classContext(ExtensionContext context, Class<?> testClass) {
    ExtensionContext current = context;
    while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
      current = current.getParent().get();
    }
    return current.getTestClass().filter(testClass::equals).isPresent() ? current : context;
  }
}
