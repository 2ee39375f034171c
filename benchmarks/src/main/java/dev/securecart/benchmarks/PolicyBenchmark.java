package dev.securecart.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The overhead of a retry + circuit breaker policy around a trivial call: the SDK's {@code
 * ResiliencePolicy} against raw Failsafe with the same policies (what it is built on) and
 * Resilience4j's decorators, on one and two threads sharing one policy. See {@link PolicyType} for
 * the configuration and the variants. The goals: {@code SECURECART_EXECUTOR} within 1.1x of {@code
 * FAILSAFE} (the layer adds nothing measurable), and {@code SECURECART} as close to {@code
 * RESILIENCE4J} as Failsafe allows.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PolicyBenchmark -f 3 -wi 5 -w 1 -i 10 -r 1 -prof gc \
 *     -rf json -rff jmh-result-policy.json
 * </pre>
 *
 * <p>About 11 minutes. Quote ratios within the run: SECURECART_EXECUTOR / FAILSAFE for the layer's
 * overhead, SECURECART / RESILIENCE4J for the gap to the fastest peer, SECURECART_TIMEOUT /
 * FAILSAFE_TIMEOUT for the SDK's own timer against Failsafe's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class PolicyBenchmark {

  @Param({
    "SECURECART",
    "SECURECART_EXECUTOR",
    "SECURECART_METERED",
    "SECURECART_TIMEOUT",
    "FAILSAFE",
    "FAILSAFE_TIMEOUT",
    "RESILIENCE4J"
  })
  PolicyType policyType;

  private PolicyType.Guarded guarded;

  @Setup
  public void setUp() {
    guarded = policyType.create();
    if (guarded.call() != PolicyType.RESULT) {
      throw new IllegalStateException(policyType + " does not return the call's result");
    }
  }

  @Benchmark
  @Threads(1)
  public Object oneThread() {
    return guarded.call();
  }

  @Benchmark
  @Threads(2)
  public Object twoThreads() {
    return guarded.call();
  }
}
