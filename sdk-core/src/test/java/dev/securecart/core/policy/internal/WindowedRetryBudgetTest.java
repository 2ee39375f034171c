package dev.securecart.core.policy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.securecart.core.policy.RetryBudget;
import dev.securecart.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The retry budget's arithmetic, on a fake clock. */
final class WindowedRetryBudgetTest {

  private final FakeClock clock = FakeClock.create();

  private WindowedRetryBudget budget(int percent, int minPerSecond, Duration window) {
    return new WindowedRetryBudget(RetryBudget.of(percent, minPerSecond, window), clock);
  }

  private static int withdrawAll(WindowedRetryBudget budget) {
    int withdrawn = 0;
    while (budget.tryWithdraw()) {
      withdrawn++;
    }
    return withdrawn;
  }

  @Test
  void retriesAreAtMostThePercentOfCalls() {
    WindowedRetryBudget budget = budget(20, 0, Duration.ofSeconds(10));
    for (int i = 0; i < 10; i++) {
      budget.deposit();
    }

    assertThat(withdrawAll(budget)).isEqualTo(2);
  }

  @Test
  void tenCallsAtTenPercentBuyExactlyOneRetry() {
    WindowedRetryBudget budget = budget(10, 0, Duration.ofSeconds(10));
    for (int i = 0; i < 9; i++) {
      budget.deposit();
    }
    assertThat(budget.tryWithdraw()).isFalse();
    budget.deposit();
    assertThat(budget.tryWithdraw()).isTrue();
    assertThat(budget.tryWithdraw()).isFalse();
  }

  @Test
  void theMinimumPerSecondIsAvailableWithoutTrafficAndReplenishesAfterTheWindow() {
    WindowedRetryBudget budget = budget(0, 5, Duration.ofSeconds(2));

    assertThat(withdrawAll(budget)).isEqualTo(10);
    clock.advance(Duration.ofSeconds(1));
    assertThat(budget.tryWithdraw()).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(withdrawAll(budget)).isEqualTo(10);
  }

  @Test
  void creditFromCallsExpiresAfterTheWindow() {
    WindowedRetryBudget budget = budget(10, 0, Duration.ofSeconds(10));
    for (int i = 0; i < 100; i++) {
      budget.deposit();
    }
    assertThat(budget.tryWithdraw()).isTrue(); // flushes the 100 calls at t = 0

    clock.advance(Duration.ofSeconds(10));
    assertThat(budget.available()).isZero();
    assertThat(budget.tryWithdraw()).isFalse();
  }

  /**
   * 1000 calls over 100 s with no failure, hence no flush, then a storm. Only the calls that fall
   * in the last window count: the window at t = 100 s covers the slots of 91..99 s (the current
   * slot has just begun), 9 % of the calls, so 90 calls and 9 retries. Crediting all 1000 calls to
   * now would allow 100.
   */
  @Test
  void callsFromAQuietPeriodAreSpreadOverItNotCreditedToTheStorm() {
    WindowedRetryBudget budget = budget(10, 0, Duration.ofSeconds(10));
    for (int second = 0; second < 100; second++) {
      for (int i = 0; i < 10; i++) {
        budget.deposit();
      }
      clock.advance(Duration.ofSeconds(1));
    }

    assertThat(budget.available()).isCloseTo(9.0, offset(1e-6));
    assertThat(withdrawAll(budget)).isEqualTo(9);
  }

  @Test
  void concurrentCallsAndRetriesNeverOverdrawTheBudget() throws Exception {
    WindowedRetryBudget budget = budget(10, 0, Duration.ofSeconds(10));
    int threads = 32;
    int callsPerThread = 1000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> withdrawals = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        withdrawals.add(
            pool.submit(
                () -> {
                  start.await();
                  int withdrawn = 0;
                  for (int i = 0; i < callsPerThread; i++) {
                    budget.deposit();
                    if (budget.tryWithdraw()) {
                      withdrawn++;
                    }
                  }
                  return withdrawn;
                }));
      }
      start.countDown();
      int withdrawn = 0;
      for (Future<Integer> future : withdrawals) {
        withdrawn += future.get(30, TimeUnit.SECONDS);
      }

      double credit = threads * callsPerThread * 0.10;
      assertThat(withdrawn).isPositive().isLessThanOrEqualTo((int) credit);
      // Nothing lost, nothing invented: what was withdrawn plus what is left is what was credited.
      assertThat(withdrawn + budget.available()).isCloseTo(credit, offset(1e-6));
    } finally {
      pool.shutdownNow();
    }
  }
}
