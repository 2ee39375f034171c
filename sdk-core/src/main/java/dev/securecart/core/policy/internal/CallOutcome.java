package dev.securecart.core.policy.internal;

/** How a call through a policy ended, as metrics tag it. */
public enum CallOutcome {
  SUCCESS("success"),
  FAILURE("failure"),
  CIRCUIT_OPEN("circuit_open"),
  BULKHEAD_FULL("bulkhead_full"),
  TIMEOUT("timeout"),
  /** The caller cancelled an asynchronous call's future: no verdict on the dependency. */
  CANCELLED("cancelled");

  private final String tagValue;

  CallOutcome(String tagValue) {
    this.tagValue = tagValue;
  }

  /** The value of the {@code outcome} tag. */
  public String tagValue() {
    return tagValue;
  }
}
