package dev.securecart.core.policy;

import dev.securecart.core.policy.event.PolicyAddedEvent;
import dev.securecart.core.policy.event.PolicyEventListener;
import dev.securecart.core.policy.internal.InMemoryPolicyRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Named policies built from one default config plus named overrides, created on first use: {@code
 * registry.policy("payments")} returns the same instance every time, so its circuit breaker,
 * bulkhead and retry budget are shared by every caller of that dependency.
 *
 * <pre>{@code
 * PolicyRegistry registry = PolicyRegistry.of(PolicyConfig.ofDefaults(), Map.of("payments", payments));
 * }</pre>
 *
 * <p>Implementations are thread-safe.
 */
public interface PolicyRegistry {

  /**
   * Returns a registry whose policies all follow {@code defaultConfig}.
   *
   * @param defaultConfig the config of every policy
   * @return the registry
   * @throws NullPointerException if {@code defaultConfig} is null
   */
  static PolicyRegistry of(PolicyConfig defaultConfig) {
    return of(defaultConfig, Map.of());
  }

  /**
   * Returns a registry whose policies follow {@code overrides.get(name)} when present, else {@code
   * defaultConfig}.
   *
   * @param defaultConfig the config of policies without an override
   * @param overrides complete configs by policy name; copied
   * @return the registry
   * @throws NullPointerException if an argument, key or value is null
   * @throws IllegalArgumentException if a key is not a valid policy name
   */
  static PolicyRegistry of(PolicyConfig defaultConfig, Map<String, PolicyConfig> overrides) {
    return new InMemoryPolicyRegistry(defaultConfig, overrides);
  }

  /**
   * Returns a registry whose policies all follow {@link PolicyConfig#ofDefaults()}.
   *
   * @return the registry
   */
  static PolicyRegistry ofDefaults() {
    return of(PolicyConfig.ofDefaults());
  }

  /**
   * Returns the policy named {@code name}, creating it on first use with {@link
   * #configFor(String)}.
   *
   * @param name the policy's name, as for {@link ResiliencePolicy#of(String, PolicyConfig)}
   * @return the same instance for the same name
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a valid name
   */
  ResiliencePolicy policy(String name);

  /**
   * Returns the policy named {@code name} if it was already created.
   *
   * @param name the policy's name
   * @return the policy, or empty
   * @throws NullPointerException if {@code name} is null
   */
  Optional<ResiliencePolicy> find(String name);

  /**
   * Returns the policies created so far.
   *
   * @return an unmodifiable snapshot
   */
  Collection<ResiliencePolicy> policies();

  /**
   * Returns the config of policies without an override.
   *
   * @return the default config
   */
  PolicyConfig defaultConfig();

  /**
   * Returns the config a policy named {@code name} has or would have.
   *
   * @param name the policy's name
   * @return its override, else the default config
   * @throws NullPointerException if {@code name} is null
   */
  PolicyConfig configFor(String name);

  /**
   * Registers a listener told about every policy of this registry: at once, on the calling thread,
   * about each policy already created, then about each new one before {@link #policy(String)}
   * returns it to anyone. This is how metrics follow the registry.
   *
   * @param listener the listener
   * @throws NullPointerException if {@code listener} is null
   */
  void onPolicyAdded(PolicyEventListener<? super PolicyAddedEvent> listener);
}
