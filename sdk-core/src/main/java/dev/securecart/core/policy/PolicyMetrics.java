package dev.securecart.core.policy;

import dev.securecart.core.internal.Preconditions;
import dev.securecart.core.policy.internal.MicrometerPolicyRecorder;
import dev.securecart.core.policy.internal.ResiliencePolicyImpl;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds policies to Micrometer: the meters named in {@link PolicyMetricNames}, registered once per
 * policy and meter registry, and updated on the call path with plain increments. Bound to a {@link
 * PolicyRegistry}, it follows the registry: policies created later get their meters as they are
 * created.
 *
 * <pre>{@code
 * PolicyMetrics.of(registry).bindTo(meterRegistry);
 * }</pre>
 *
 * <p>Binding the same policy to the same meter registry twice, through this binder or another, has
 * no further effect. Policies record latency only once bound, so unbound policies never read the
 * clock for it. Thread-safe.
 */
public final class PolicyMetrics implements MeterBinder {

  private static final Logger logger = LoggerFactory.getLogger(PolicyMetrics.class);

  private final Consumer<Consumer<ResiliencePolicy>> source;
  private final Tags tags;

  private PolicyMetrics(Consumer<Consumer<ResiliencePolicy>> source, Iterable<Tag> tags) {
    this.source = source;
    this.tags = Tags.of(Preconditions.requireNonNull(tags, "tags"));
  }

  /**
   * Returns a binder for every policy of {@code registry}, present and future.
   *
   * @param registry the policies
   * @return the binder
   * @throws NullPointerException if {@code registry} is null
   */
  public static PolicyMetrics of(PolicyRegistry registry) {
    return of(registry, Tags.empty());
  }

  /**
   * Returns a binder for every policy of {@code registry}, present and future, adding {@code tags}
   * to each meter.
   *
   * @param registry the policies
   * @param tags common tags with fixed values (an application or region), never per-request data
   * @return the binder
   * @throws NullPointerException if an argument is null
   */
  public static PolicyMetrics of(PolicyRegistry registry, Iterable<Tag> tags) {
    Preconditions.requireNonNull(registry, "registry");
    return new PolicyMetrics(
        bind -> registry.onPolicyAdded(event -> bind.accept(event.policy())), tags);
  }

  /**
   * Returns a binder for one policy.
   *
   * @param policy the policy
   * @return the binder
   * @throws NullPointerException if {@code policy} is null
   */
  public static PolicyMetrics of(ResiliencePolicy policy) {
    return of(policy, Tags.empty());
  }

  /**
   * Returns a binder for one policy, adding {@code tags} to each meter.
   *
   * @param policy the policy
   * @param tags common tags with fixed values, never per-request data
   * @return the binder
   * @throws NullPointerException if an argument is null
   */
  public static PolicyMetrics of(ResiliencePolicy policy, Iterable<Tag> tags) {
    Preconditions.requireNonNull(policy, "policy");
    return new PolicyMetrics(bind -> bind.accept(policy), tags);
  }

  @Override
  public void bindTo(MeterRegistry meterRegistry) {
    Preconditions.requireNonNull(meterRegistry, "meterRegistry");
    source.accept(policy -> bind(policy, meterRegistry));
  }

  private void bind(ResiliencePolicy policy, MeterRegistry meterRegistry) {
    if (policy instanceof ResiliencePolicyImpl impl) {
      impl.addRecorder(meterRegistry, p -> new MicrometerPolicyRecorder(p, meterRegistry, tags));
    } else {
      logger.debug(
          "Policy '{}' is a {}, not the SDK's own implementation; no meters bound",
          policy.name(),
          policy.getClass().getName());
    }
  }
}
