package dev.securecart.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Runs the example of the module README (same statements, reformatted), so it cannot rot. */
final class PolicyReadmeExampleTest {

  record Cart(int items) {}

  record Rate(String source, int cents) {
    static Rate flat(Cart cart) {
      return new Rate("flat", 499);
    }
  }

  static final class CarrierBusyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CarrierBusyException() {
      super("429 Too Many Requests");
    }

    Optional<Duration> retryAfter() {
      return Optional.of(Duration.ofMillis(5));
    }
  }

  /** Busy once (Retry-After 5 ms), then refuses connections: two retries, then the fallback. */
  static final class Carrier {
    final AtomicInteger quotes = new AtomicInteger();

    Rate quote(Cart cart) throws ConnectException {
      if (quotes.incrementAndGet() == 1) {
        throw new CarrierBusyException();
      }
      throw new ConnectException("connection refused");
    }
  }

  @Test
  void theReadmeExampleWorks() {
    MeterRegistry meterRegistry = new SimpleMeterRegistry();
    Carrier carrier = new Carrier();
    Cart cart = new Cart(3);

    // The README example:
    PolicyConfig shipping =
        PolicyConfig.builder()
            .timeout(Duration.ofSeconds(2)) // the whole call, retries included
            .retry(
                RetryConfig.builder()
                    .backoff(Duration.ofMillis(50), Duration.ofSeconds(1))
                    .retryOn(ConnectException.class)
                    .retryOn(CarrierBusyException.class) // safe to repeat
                    .retryAfter(
                        RetryAfter.onFailure(CarrierBusyException.class, e -> e.retryAfter()))
                    .build())
            .circuitBreaker(CircuitBreakerConfig.builder().failureThreshold(5, 10).build())
            .bulkhead(20) // at most 20 calls in flight
            .build();
    PolicyRegistry policies =
        PolicyRegistry.of(PolicyConfig.ofDefaults(), Map.of("shipping", shipping));
    PolicyMetrics.of(policies).bindTo(meterRegistry); // securecart.policy.* meters
    Rate rate =
        policies.policy("shipping").get(() -> carrier.quote(cart), failure -> Rate.flat(cart));
    // End of the example.

    assertThat(rate).isEqualTo(new Rate("flat", 499));
    assertThat(carrier.quotes).hasValue(3);
    assertThat(
            meterRegistry
                .get(PolicyMetricNames.DEFAULT_RETRIES)
                .tag("outcome", "scheduled")
                .counter()
                .count())
        .isEqualTo(2);
    assertThat(meterRegistry.get(PolicyMetricNames.DEFAULT_FALLBACKS).counter().count())
        .isEqualTo(1);
  }
}
