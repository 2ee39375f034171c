package dev.securecart.cache.redis;

import dev.securecart.cache.Invalidation;
import dev.securecart.cache.InvalidationListener;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A bus listener for tests: remembers the targets that arrived and counts reported gaps. */
final class ReceivedInvalidations implements InvalidationListener {

  final Set<String> targets = ConcurrentHashMap.newKeySet();
  final AtomicInteger gaps = new AtomicInteger();

  @Override
  public void onInvalidation(Invalidation invalidation) {
    targets.add(invalidation.target());
  }

  @Override
  public void onMessagesPossiblyLost() {
    gaps.incrementAndGet();
  }
}
