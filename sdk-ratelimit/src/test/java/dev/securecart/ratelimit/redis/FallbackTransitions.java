package dev.securecart.ratelimit.redis;

import dev.securecart.ratelimit.Decision;
import dev.securecart.ratelimit.RateLimiterStats;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records a limiter's switches to ({@code true}) and from ({@code false}) its fallback. */
final class FallbackTransitions implements RateLimiterStats {

  final List<Boolean> transitions = new CopyOnWriteArrayList<>();

  @Override
  public void recordDecision(Decision.Source source, boolean allowed) {}

  @Override
  public void recordRedisLatency(long nanos) {}

  @Override
  public void recordFallback(boolean active) {
    transitions.add(active);
  }
}
