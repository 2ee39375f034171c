/**
 * JMH benchmarks of {@code LayeredCache} against raw Caffeine and Spring's {@code CaffeineCache},
 * in the style of Caffeine's {@code GetPutBenchmark}: peers behind a small adapter, chosen by a
 * {@code @Param}, pre-populated in {@code @Setup}, keys drawn from a Zipf-like distribution.
 */
@NullMarked
package dev.securecart.benchmarks.cache;

import org.jspecify.annotations.NullMarked;
