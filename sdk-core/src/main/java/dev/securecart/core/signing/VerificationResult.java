package dev.securecart.core.signing;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link TokenVerifier#tryVerify(String)}: a {@link VerifiedToken}, or the reason
 * and message the token was refused with. Nothing is thrown or allocated beyond this object, so a
 * request filter can check every request's token cheaply.
 */
public final class VerificationResult {

  private final @Nullable VerifiedToken token;
  private final TokenVerificationException.@Nullable Reason failure;
  private final String message;

  private VerificationResult(
      @Nullable VerifiedToken token,
      TokenVerificationException.@Nullable Reason failure,
      String message) {
    this.token = token;
    this.failure = failure;
    this.message = message;
  }

  static VerificationResult valid(VerifiedToken token) {
    return new VerificationResult(token, null, "valid");
  }

  static VerificationResult invalid(TokenVerificationException.Reason reason, String message) {
    return new VerificationResult(null, reason, message);
  }

  /**
   * Returns whether the token passed.
   *
   * @return {@code true} if {@link #token()} is present
   */
  public boolean isValid() {
    return token != null;
  }

  /**
   * Returns the verified token.
   *
   * @return the token, or empty if it was refused
   */
  public Optional<VerifiedToken> token() {
    return Optional.ofNullable(token);
  }

  /**
   * Returns why the token was refused.
   *
   * @return the reason, or empty if the token passed
   */
  public Optional<TokenVerificationException.Reason> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * Returns what was wrong with the token, for a log; {@code "valid"} if nothing was.
   *
   * @return a message without key material or the token
   */
  public String message() {
    return message;
  }

  /**
   * Returns the verified token, or throws what {@link TokenVerifier#verify(String)} would have.
   *
   * @return the token
   * @throws TokenVerificationException if the token was refused
   */
  public VerifiedToken orElseThrow() {
    VerifiedToken verified = token;
    TokenVerificationException.Reason reason = failure;
    if (verified == null && reason != null) {
      throw new TokenVerificationException(reason, message);
    }
    if (verified == null) {
      throw new IllegalStateException("a result is either valid or has a reason");
    }
    return verified;
  }

  @Override
  public String toString() {
    return token != null
        ? "VerificationResult[" + token + "]"
        : "VerificationResult[" + failure + ": " + message + "]";
  }
}
