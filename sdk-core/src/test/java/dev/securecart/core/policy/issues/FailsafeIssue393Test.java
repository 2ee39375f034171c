package dev.securecart.core.policy.issues;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.securecart.core.policy.BulkheadConfig;
import dev.securecart.core.policy.BulkheadFullException;
import dev.securecart.core.policy.PolicyConfig;
import dev.securecart.core.policy.ResiliencePolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * failsafe-lib/failsafe#393: a synchronous call rejected by a full Failsafe 3.3.2 bulkhead leaves
 * an abandoned waiter in the bulkhead's queue, and the next released permit goes to that waiter and
 * is lost. After as many rejections as it has permits, the bulkhead rejects every call forever.
 * Found here by the 32-thread bulkhead test; the policy's bulkhead works around it. Each case fills
 * the bulkhead, has calls rejected (at once, or after a short wait that cannot succeed while the
 * slots are held), frees it, and checks that every slot is usable again.
 */
final class FailsafeIssue393Test {

  private static final int SLOTS = 2;
  private static final long WAIT_SECONDS = 30;

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void shutDown() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 20})
  void rejectedCallsDoNotLeakPermits(long maxWaitMillis) throws Exception {
    ResiliencePolicy policy = bulkheaded("leak", maxWaitMillis);

    for (int round = 0; round < 3; round++) {
      CountDownLatch release = new CountDownLatch(1);
      List<Future<String>> occupants = fill(policy, release);
      for (int i = 0; i < 5; i++) {
        assertThatThrownBy(() -> policy.get(() -> "rejected"))
            .isInstanceOf(BulkheadFullException.class);
      }
      release.countDown();
      for (Future<String> occupant : occupants) {
        assertThat(occupant.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 20})
  void rejectedAsynchronousCallsDoNotLeakPermits(long maxWaitMillis) throws Exception {
    ResiliencePolicy policy = bulkheaded("async-leak", maxWaitMillis);

    // Failsafe's own asynchronous acquire lost a permit to a waiter whose wait had just ended; the
    // race needs many rounds to show, so each round checks that every slot came back.
    for (int round = 0; round < 200; round++) {
      List<CompletableFuture<String>> occupants = new ArrayList<>();
      for (int i = 0; i < SLOTS; i++) {
        CompletableFuture<String> held = new CompletableFuture<>();
        occupants.add(held);
        CompletableFuture<String> call = policy.getAsync(() -> held);
        assertThat(call).as("round %d: slot %d usable", round, i).isNotDone();
        occupants.add(call);
      }
      List<CompletableFuture<String>> rejected = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        rejected.add(policy.getAsync(() -> CompletableFuture.completedFuture("rejected")));
      }
      for (CompletableFuture<String> call : rejected) {
        assertThatThrownBy(() -> call.get(WAIT_SECONDS, TimeUnit.SECONDS))
            .hasCauseInstanceOf(BulkheadFullException.class);
      }
      for (int i = 0; i < occupants.size(); i += 2) {
        occupants.get(i).complete("done");
        assertThat(occupants.get(i + 1).get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
      }
    }
  }

  /** A policy with only a bulkhead of {@link #SLOTS} slots. */
  private static ResiliencePolicy bulkheaded(String name, long maxWaitMillis) {
    return ResiliencePolicy.of(
        name,
        PolicyConfig.builder()
            .noCircuitBreaker()
            .bulkhead(
                BulkheadConfig.builder(SLOTS).maxWait(Duration.ofMillis(maxWaitMillis)).build())
            .build());
  }

  /** Occupies every slot with a call that blocks until {@code release}; fails if one is refused. */
  private List<Future<String>> fill(ResiliencePolicy policy, CountDownLatch release)
      throws InterruptedException {
    CountDownLatch inside = new CountDownLatch(SLOTS);
    List<Future<String>> occupants = new ArrayList<>();
    for (int i = 0; i < SLOTS; i++) {
      occupants.add(
          threads.submit(
              () ->
                  policy.get(
                      () -> {
                        inside.countDown();
                        assertThat(release.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                        return "done";
                      })));
    }
    assertThat(inside.await(WAIT_SECONDS, TimeUnit.SECONDS))
        .as("all %d slots usable", SLOTS)
        .isTrue();
    return occupants;
  }
}
