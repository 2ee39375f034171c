package dev.securecart.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.RateLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The wake-up tree of a batch: started once by the completing thread, it must reach every caller
 * still parked, also when callers above them in the tree left before their turn (gave up, or saw
 * the answer without being woken). Callers park for a minute here, so a caller the tree missed
 * fails the test by not returning in time.
 */
class WakeTreeTest {

  private static final Decision ALLOWED =
      new Decision(true, 0, 0, 0, Decision.Source.REDIS, "l", Map.of("l", RateLimit.perSecond(1)));

  /** How a simulated caller waits for its request. */
  enum Caller {
    /** Parks until its request is done, as {@code tryAcquire} does. */
    PARKS,
    /** Gives up before the batch is answered (its deadline passed). */
    GIVES_UP,
    /** Sees its answer without parking (it arrived before the caller slept). */
    SPINS
  }

  @Test
  void wakesEveryParkedCallerWhateverTheCallersAboveThemDid() throws Exception {
    Random random = new Random(7);
    for (int round = 0; round < 30; round++) {
      int size = 1 + random.nextInt(40);
      List<Caller> callers = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        callers.add(Caller.values()[random.nextInt(Caller.values().length)]);
      }
      runBatch(callers);
    }
  }

  @Test
  void aTreeWhoseUpperCallersAllLeftStillReachesTheBottom() throws Exception {
    List<Caller> callers = new ArrayList<>();
    for (int i = 0; i < 31; i++) {
      callers.add(i < 15 ? Caller.GIVES_UP : Caller.PARKS); // the top four levels are gone
    }
    runBatch(callers);
  }

  private static void runBatch(List<Caller> kinds) throws Exception {
    int size = kinds.size();
    Request[] requests = new Request[size];
    Thread[] threads = new Thread[size];
    CountDownLatch created = new CountDownLatch(size);
    CountDownLatch gaveUp = new CountDownLatch(count(kinds, Caller.GIVES_UP));
    CountDownLatch returned = new CountDownLatch(size);
    AtomicInteger answered = new AtomicInteger();
    for (int i = 0; i < size; i++) {
      int index = i;
      Caller kind = kinds.get(i);
      threads[i] =
          new Thread(
              () -> {
                try {
                  created.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                Request request = requests[index];
                if (kind == Caller.GIVES_UP) {
                  request.completeExceptionally(new TimeoutException());
                  request.leave();
                  gaveUp.countDown();
                } else {
                  long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                  while (!request.isDone() && System.nanoTime() - until < 0) {
                    if (kind == Caller.PARKS) {
                      LockSupport.parkNanos(request, until - System.nanoTime());
                    } else {
                      Thread.onSpinWait();
                    }
                  }
                  request.leave();
                  if (request.isDone() && !request.isCompletedExceptionally()) {
                    answered.incrementAndGet();
                  }
                }
                returned.countDown();
              },
              "caller-" + i);
    }
    for (int i = 0; i < size; i++) {
      requests[i] = new Request(new String[] {"k"}, new String[] {"k"}, 1, 1, 0, threads[i]);
    }
    WakeTree tree = new WakeTree(requests);
    for (Thread thread : threads) {
      thread.start();
      created.countDown();
    }
    assertThat(gaveUp.await(30, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < size; i++) {
      if (kinds.get(i) == Caller.PARKS) {
        awaitParked(threads[i]);
      }
    }

    for (Request request : requests) {
      request.complete(ALLOWED);
    }
    tree.start();

    assertThat(returned.await(30, TimeUnit.SECONDS))
        .as("every caller returns long before its own one-minute deadline: %s", kinds)
        .isTrue();
    assertThat(answered.get()).isEqualTo(size - count(kinds, Caller.GIVES_UP));
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  private static int count(List<Caller> kinds, Caller kind) {
    return (int) kinds.stream().filter(k -> k == kind).count();
  }

  private static void awaitParked(Thread thread) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (thread.getState() != Thread.State.TIMED_WAITING) {
      assertThat(System.nanoTime() - until).as("%s parks", thread.getName()).isNegative();
      Thread.onSpinWait();
    }
  }
}
