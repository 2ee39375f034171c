package dev.securecart.core.policy;

/** The protected call of {@link ResiliencePolicy#run(CheckedRunnable)}: has no result. */
@FunctionalInterface
public interface CheckedRunnable {

  /**
   * Makes the call.
   *
   * @throws Exception if the call failed
   */
  void run() throws Exception;
}
