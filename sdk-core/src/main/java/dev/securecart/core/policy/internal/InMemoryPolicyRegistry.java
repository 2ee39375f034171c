package dev.securecart.core.policy.internal;

import dev.securecart.core.internal.Preconditions;
import dev.securecart.core.policy.PolicyConfig;
import dev.securecart.core.policy.PolicyRegistry;
import dev.securecart.core.policy.ResiliencePolicy;
import dev.securecart.core.policy.event.PolicyAddedEvent;
import dev.securecart.core.policy.event.PolicyEventListener;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PolicyRegistry} in memory. Lookups of existing policies are lock-free; creation takes
 * the registry's lock, tells the listeners, and only then publishes the policy, so that no thread
 * can call a policy before its metrics are bound.
 */
public final class InMemoryPolicyRegistry implements PolicyRegistry {

  private static final Logger logger = LoggerFactory.getLogger(PolicyRegistry.class);

  private final PolicyConfig defaultConfig;
  private final Map<String, PolicyConfig> overrides;
  private final ConcurrentHashMap<String, ResiliencePolicy> policies = new ConcurrentHashMap<>();
  private final ListenerList<PolicyAddedEvent> listeners =
      new ListenerList<>("a policy registry", logger);

  // Guarded by this: policies being created, whose listeners are running. A listener that asks for
  // the policy it is being told about gets the same instance instead of creating a second one.
  private final Map<String, ResiliencePolicy> creating = new HashMap<>();

  /**
   * @param defaultConfig the config of policies without an override
   * @param overrides complete configs by name
   */
  public InMemoryPolicyRegistry(PolicyConfig defaultConfig, Map<String, PolicyConfig> overrides) {
    this.defaultConfig = Preconditions.requireNonNull(defaultConfig, "defaultConfig");
    Preconditions.requireNonNull(overrides, "overrides");
    Map<String, PolicyConfig> copy = new HashMap<>();
    overrides.forEach(
        (name, config) -> {
          Preconditions.requireNonNull(name, "override name");
          Preconditions.requireNonNull(config, "override for '" + name + "'");
          // Builds nothing; checks the name with the same rule as the policy will.
          ResiliencePolicyImpl.requireValidName(name);
          copy.put(name, config);
        });
    this.overrides = Map.copyOf(copy);
  }

  @Override
  public ResiliencePolicy policy(String name) {
    Preconditions.requireNonNull(name, "name");
    ResiliencePolicy policy = policies.get(name);
    return policy != null ? policy : create(name);
  }

  private synchronized ResiliencePolicy create(String name) {
    ResiliencePolicy policy = policies.get(name);
    if (policy == null) {
      policy = creating.get(name);
    }
    if (policy != null) {
      return policy;
    }
    policy = ResiliencePolicy.of(name, configFor(name));
    creating.put(name, policy);
    try {
      listeners.dispatch(added(policy));
    } finally {
      creating.remove(name);
    }
    policies.put(name, policy);
    return policy;
  }

  @Override
  public Optional<ResiliencePolicy> find(String name) {
    Preconditions.requireNonNull(name, "name");
    return Optional.ofNullable(policies.get(name));
  }

  @Override
  public Collection<ResiliencePolicy> policies() {
    return List.copyOf(policies.values());
  }

  @Override
  public PolicyConfig defaultConfig() {
    return defaultConfig;
  }

  @Override
  public PolicyConfig configFor(String name) {
    Preconditions.requireNonNull(name, "name");
    return overrides.getOrDefault(name, defaultConfig);
  }

  @Override
  public synchronized void onPolicyAdded(PolicyEventListener<? super PolicyAddedEvent> listener) {
    ListenerList.Entry<PolicyAddedEvent> entry = listeners.add(listener);
    for (ResiliencePolicy policy : new ArrayList<>(policies.values())) {
      entry.dispatch(added(policy));
    }
  }

  private static PolicyAddedEvent added(ResiliencePolicy policy) {
    return new PolicyAddedEvent(policy.name(), policy.config().clock().instant(), policy);
  }

  @Override
  public String toString() {
    return "PolicyRegistry{policies="
        + policies.keySet()
        + ", overrides="
        + overrides.keySet()
        + "}";
  }
}
