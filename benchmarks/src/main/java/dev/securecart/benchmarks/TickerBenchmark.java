package dev.securecart.benchmarks;

import dev.securecart.core.Ticker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of reading time through the SDK's {@link Ticker} against a direct {@link
 * System#nanoTime()} call: every policy, cache and limiter reads it on the hot path, so the
 * indirection must be free.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar TickerBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TickerBenchmark {

  private final Ticker ticker = Ticker.systemTicker();

  @Benchmark
  public long systemNanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  public long sdkTicker() {
    return ticker.read();
  }
}
