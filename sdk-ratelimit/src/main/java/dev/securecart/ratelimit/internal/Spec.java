package dev.securecart.ratelimit.internal;

import dev.securecart.ratelimit.RateLimit;

/**
 * A limit compiled for deciding: the emission interval {@code t}, the burst {@code b} and the
 * tolerance {@code tau = b * t} (also the sliding window's length), all in microseconds.
 */
final class Spec {
  final String name;
  final int index;
  final long t;
  final long b;
  final long tau;

  Spec(String name, int index, RateLimit limit) {
    this.name = name;
    this.index = index;
    this.t = limit.emissionIntervalMicros();
    this.b = limit.burst();
    this.tau = Math.multiplyExact(b, t);
  }
}
