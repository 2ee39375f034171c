package dev.securecart.core.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test a real Redis server. Add {@code @ExtendWith(RedisExtension.class)} and declare a
 * {@link RedisTestServer} or {@link RedisNamespace} parameter on a test, lifecycle method or
 * constructor.
 *
 * <p>The server is found once per test run by {@link RedisServerLocator#fromEnvironment()}: {@code
 * REDIS_URL}, else {@code localhost:6379}, else a {@code redis-server} from {@code PATH} that the
 * extension starts on a free port and stops when the run ends, else a failure saying how to get
 * one. A {@link RedisNamespace} belongs to the test (or class, when resolved in {@code @BeforeAll})
 * that asked for it, and its keys are deleted when that test or class ends.
 */
public final class RedisExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace STORE =
      ExtensionContext.Namespace.create(RedisExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == RedisTestServer.class || type == RedisNamespace.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    RedisTestServer server = server(context);
    if (parameter.getParameter().getType() == RedisTestServer.class) {
      return server;
    }
    String label =
        context.getRequiredTestClass().getSimpleName()
            + context.getTestMethod().map(m -> "." + m.getName()).orElse("");
    return context
        .getStore(STORE)
        .getOrComputeIfAbsent(
            "namespace", key -> new RedisNamespace(server, label), RedisNamespace.class);
  }

  /** Returns the run-wide server, locating (and maybe starting) it on first use. */
  public static RedisTestServer server(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(STORE)
        .getOrComputeIfAbsent(
            "server",
            key -> RedisServerLocator.fromEnvironment().locate(),
            RedisServerLocator.Located.class)
        .server();
  }
}
