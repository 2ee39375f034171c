package dev.securecart.core.policy.internal;

/** What became of a due retry, as metrics tag it. */
public enum RetryOutcome {
  SCHEDULED("scheduled"),
  BUDGET_EXHAUSTED("budget_exhausted"),
  BEYOND_DEADLINE("beyond_deadline"),
  SERVER_DELAY_TOO_LONG("server_delay_too_long");

  private final String tagValue;

  RetryOutcome(String tagValue) {
    this.tagValue = tagValue;
  }

  /** The value of the {@code outcome} tag. */
  public String tagValue() {
    return tagValue;
  }
}
