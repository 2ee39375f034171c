package dev.securecart.ratelimit.redis;

import dev.securecart.ratelimit.Decision;
import java.util.concurrent.CompletableFuture;

/**
 * One decision waiting for Redis: the state keys (one per limit), how many permits it needs at
 * least and would take at most (more than needed only when leasing), and when it was submitted.
 * Completed with the decision, or exceptionally when its batch failed. A caller that gave up
 * completes it first, so that a batch not yet sent leaves it out.
 */
final class Request extends CompletableFuture<Decision> {
  final String[] redisKeys;
  final String[] keys;
  final long least;
  final long most;
  final long submittedAt;
  long granted;

  Request(String[] redisKeys, String[] keys, long least, long most, long submittedAt) {
    this.redisKeys = redisKeys;
    this.keys = keys;
    this.least = least;
    this.most = most;
    this.submittedAt = submittedAt;
  }
}
