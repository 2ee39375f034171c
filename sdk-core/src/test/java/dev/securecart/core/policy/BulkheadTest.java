package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.policy.BothWays.Fixture;
import dev.securecart.core.policy.BothWays.Mode;
import dev.securecart.core.policy.internal.ResiliencePolicyImpl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

final class BulkheadTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void shutDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  private static ResiliencePolicy policy(BulkheadConfig bulkhead) {
    return ResiliencePolicy.of(
        "warehouse", PolicyConfig.builder().noCircuitBreaker().bulkhead(bulkhead).build());
  }

  /** Starts a call that holds one slot until {@code release} is counted down. */
  private Future<String> occupy(ResiliencePolicy policy, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch inside = new CountDownLatch(1);
    Future<String> occupant =
        threads.submit(
            () ->
                policy.get(
                    () -> {
                      inside.countDown();
                      assertThat(release.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                      return "done";
                    }));
    assertThat(inside.await(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    return occupant;
  }

  @Test
  void aFullBulkheadRejectsWithoutCallingTheDependency() {
    BothWays.test(
        () -> {
          ResiliencePolicy policy = policy(BulkheadConfig.of(1));
          CountDownLatch release = new CountDownLatch(1);
          Future<String> occupant;
          try {
            occupant = occupy(policy, release);
          } catch (InterruptedException e) {
            throw new AssertionError(e);
          }
          return Fixture.of(policy, attempt -> "never called")
              .onClose(
                  () -> {
                    release.countDown();
                    try {
                      assertThat(occupant.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS))
                          .isEqualTo("done");
                    } catch (Exception e) {
                      throw new AssertionError(e);
                    }
                  });
        },
        (fixture, outcome) -> {
          assertThat(outcome.failed())
              .isInstanceOfSatisfying(
                  BulkheadFullException.class,
                  full -> {
                    assertThat(full.policyName()).isEqualTo("warehouse");
                    assertThat(full.maxConcurrentCalls()).isEqualTo(1);
                  })
              .hasMessage(
                  "Bulkhead of policy 'warehouse' is full (1 concurrent calls) and rejected the"
                      + " call");
          assertThat(fixture.calls()).isZero();
        });
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void letsExactlyMaxConcurrentCallsInUnder32Threads(Mode mode) throws Exception {
    ResiliencePolicy policy = policy(BulkheadConfig.of(4));
    int callers = 32;
    CountDownLatch start = new CountDownLatch(1);
    CompletableFuture<String> release = new CompletableFuture<>();
    AtomicInteger entered = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      results.add(
          threads.submit(
              () -> {
                start.await();
                try {
                  CheckedSupplier<String> blocking =
                      () -> {
                        entered.incrementAndGet();
                        return release.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
                      };
                  return switch (mode) {
                    case SYNC -> policy.get(blocking);
                    case SYNC_THROUGH_EXECUTOR ->
                        ((ResiliencePolicyImpl) policy).getThroughExecutor(blocking, null);
                    case ASYNC ->
                        policy
                            .<String>getAsync(
                                () -> {
                                  entered.incrementAndGet();
                                  return release;
                                })
                            .get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS);
                  };
                } catch (BulkheadFullException | ExecutionException e) {
                  Throwable cause = e instanceof BulkheadFullException ? e : e.getCause();
                  assertThat(cause).isInstanceOf(BulkheadFullException.class);
                  rejected.incrementAndGet();
                  return "rejected";
                }
              }));
    }
    start.countDown();

    await()
        .atMost(Duration.ofSeconds(BothWays.WAIT_SECONDS))
        .until(() -> entered.get() + rejected.get() == callers);
    assertThat(entered).hasValue(4);
    assertThat(rejected).hasValue(callers - 4);

    release.complete("ok");
    long ok = 0;
    for (Future<String> result : results) {
      if (result.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS).equals("ok")) {
        ok++;
      }
    }
    assertThat(ok).isEqualTo(4);
    assertThat(policy.get(() -> "free again")).isEqualTo("free again");
  }

  @Test
  void aCallWaitsUpToMaxWaitForASlot() throws Exception {
    ResiliencePolicy policy =
        policy(
            BulkheadConfig.builder(1).maxWait(Duration.ofSeconds(BothWays.WAIT_SECONDS)).build());
    CountDownLatch release = new CountDownLatch(1);
    Future<String> occupant = occupy(policy, release);
    Future<String> waiter = threads.submit(() -> policy.get(() -> "after waiting"));

    release.countDown();
    assertThat(occupant.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
    assertThat(waiter.get(BothWays.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("after waiting");
  }
}
