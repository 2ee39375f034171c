package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.policy.event.PolicyAddedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class PolicyRegistryTest {

  private static final PolicyConfig PAYMENTS =
      PolicyConfig.builder().timeout(Duration.ofSeconds(10)).bulkhead(20).build();

  private final ExecutorService threads = Executors.newFixedThreadPool(32);

  @AfterEach
  void shutDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void returnsTheSameInstanceForTheSameName() {
    PolicyRegistry registry = PolicyRegistry.ofDefaults();

    ResiliencePolicy payments = registry.policy("payments");

    assertThat(registry.policy("payments")).isSameAs(payments);
    assertThat(registry.policy("shipping")).isNotSameAs(payments);
    assertThat(registry.find("payments")).containsSame(payments);
    assertThat(registry.find("inventory")).isEmpty();
    assertThat(registry.policies())
        .containsExactlyInAnyOrder(payments, registry.policy("shipping"));
  }

  @Test
  void namedOverridesReplaceTheDefault() {
    PolicyConfig defaults = PolicyConfig.builder().noCircuitBreaker().build();
    PolicyRegistry registry = PolicyRegistry.of(defaults, Map.of("payments", PAYMENTS));

    assertThat(registry.policy("payments").config()).isSameAs(PAYMENTS);
    assertThat(registry.policy("shipping").config()).isSameAs(defaults);
    assertThat(registry.configFor("catalog")).isSameAs(defaults);
    assertThat(registry.defaultConfig()).isSameAs(defaults);
    assertThat(registry.policy("payments").name()).isEqualTo("payments");
  }

  @Test
  void overridesAreCopied() {
    Map<String, PolicyConfig> overrides = new HashMap<>();
    PolicyRegistry registry = PolicyRegistry.of(PolicyConfig.ofDefaults(), overrides);
    overrides.put("payments", PAYMENTS);

    assertThat(registry.configFor("payments")).isSameAs(PolicyConfig.ofDefaults());
  }

  @Test
  void invalidNamesAreRejected() {
    PolicyRegistry registry = PolicyRegistry.ofDefaults();

    assertThatThrownBy(() -> registry.policy("card 4111"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must be 1 to 64 letters, digits, '.', '_' or '-', but was 'card 4111'");
    assertThatThrownBy(() -> registry.policy("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> registry.policy(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name cannot be null");
    assertThatThrownBy(() -> PolicyRegistry.of(PolicyConfig.ofDefaults(), Map.of("a/b", PAYMENTS)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(registry.policies()).isEmpty();
  }

  @Test
  void concurrentFirstUseCreatesOnePolicyAndAnnouncesItOnce() throws Exception {
    PolicyRegistry registry = PolicyRegistry.ofDefaults();
    Recorded<PolicyAddedEvent> added = new Recorded<>();
    registry.onPolicyAdded(added);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<ResiliencePolicy>> lookups = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      lookups.add(
          threads.submit(
              () -> {
                start.await();
                return registry.policy("checkout");
              }));
    }
    start.countDown();

    ResiliencePolicy first = lookups.get(0).get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
    for (Future<ResiliencePolicy> lookup : lookups) {
      assertThat(lookup.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isSameAs(first);
    }
    assertThat(added.events())
        .singleElement()
        .satisfies(e -> assertThat(e.policy()).isSameAs(first));
  }

  @Test
  void aListenerHearsOfExistingPoliciesAtOnceThenOfEachNewOne() {
    PolicyRegistry registry = PolicyRegistry.ofDefaults();
    ResiliencePolicy payments = registry.policy("payments");
    ResiliencePolicy shipping = registry.policy("shipping");
    Recorded<PolicyAddedEvent> added = new Recorded<>();

    registry.onPolicyAdded(added);
    assertThat(added.events())
        .extracting(PolicyAddedEvent::policy)
        .containsExactlyInAnyOrder(payments, shipping);

    ResiliencePolicy catalog = registry.policy("catalog");
    registry.policy("payments");
    assertThat(added.events()).hasSize(3);
    assertThat(added.events().get(2).policy()).isSameAs(catalog);
    assertThat(added.events().get(2).policyName()).isEqualTo("catalog");
  }

  @Test
  void aListenerAskingForThePolicyItHearsAboutGetsThatSameInstance() {
    PolicyRegistry registry = PolicyRegistry.ofDefaults();
    List<ResiliencePolicy> seenByListener = new ArrayList<>();
    registry.onPolicyAdded(event -> seenByListener.add(registry.policy(event.policyName())));

    ResiliencePolicy payments = registry.policy("payments");

    assertThat(seenByListener).containsExactly(payments);
  }

  @Test
  void aFailingListenerDoesNotPreventCreation() {
    PolicyRegistry registry = PolicyRegistry.ofDefaults();
    registry.onPolicyAdded(
        event -> {
          throw new IllegalStateException("listener bug");
        });

    assertThat(registry.policy("payments").name()).isEqualTo("payments");
    assertThat(registry.find("payments")).isPresent();
  }
}
