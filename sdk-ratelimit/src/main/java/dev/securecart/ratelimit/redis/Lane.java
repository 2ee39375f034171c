package dev.securecart.ratelimit.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Combines concurrent decisions bound for one Redis slot into few script calls ("smart batching"):
 * a request joins a queue; whoever finds fewer than {@link #maxInFlight} calls under way drains the
 * queue (up to {@link #maxBatch} requests) into one script call. When a call returns, its slot
 * frees up and the queue is drained again from the I/O thread. Under light load every call carries
 * one request and nothing waits; under heavy load the batches grow by themselves, so throughput
 * rises with load instead of collapsing. Thread-safe, lock-free.
 */
final class Lane {

  /** Sends a batch; must call {@code done} exactly once when the call has finished. */
  @FunctionalInterface
  interface Sender {
    void send(List<Request> batch, Runnable done);
  }

  private final ConcurrentLinkedQueue<Request> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Sender sender;
  private final int maxInFlight;
  private final int maxBatch;

  Lane(Sender sender, int maxInFlight, int maxBatch) {
    this.sender = sender;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
  }

  void submit(Request request) {
    queue.add(request);
    drain();
  }

  private void drain() {
    // A submitter adds then reads inFlight; a finishing call decrements then reads the queue: with
    // both sequentially consistent, one of them always sees the other, so no request is stranded.
    while (true) {
      int current = inFlight.get();
      if (current >= maxInFlight || queue.isEmpty()) {
        return;
      }
      if (!inFlight.compareAndSet(current, current + 1)) {
        continue;
      }
      List<Request> batch = new ArrayList<>(Math.min(maxBatch, 16));
      Request request;
      while (batch.size() < maxBatch && (request = queue.poll()) != null) {
        if (!request.isDone()) { // its caller gave up before it was sent
          batch.add(request);
        }
      }
      if (batch.isEmpty()) {
        inFlight.decrementAndGet();
        continue;
      }
      AtomicBoolean released = new AtomicBoolean();
      Runnable done =
          () -> {
            if (released.compareAndSet(false, true)) {
              release();
            }
          };
      try {
        sender.send(batch, done);
      } catch (RuntimeException e) {
        for (Request failed : batch) {
          failed.failNow(e);
        }
        done.run();
      }
    }
  }

  private void release() {
    inFlight.decrementAndGet();
    drain();
  }
}
