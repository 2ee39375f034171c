package dev.securecart.core.signing;

import dev.securecart.core.SecureCartException;

/**
 * Thrown by {@link TokenVerifier#verify(String)} when a token is refused; {@link #reason()} says
 * why. Messages never contain key material or the token, only facts a developer can act on (the key
 * id a token names, when it expired). Built without a stack trace: refusing forged tokens is a hot
 * path an attacker controls.
 */
public class TokenVerificationException extends SecureCartException {

  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    /**
     * Not a token of this format: wrong structure, not canonical base64url, bad header, or longer
     * than the verifier accepts.
     */
    MALFORMED,
    /** The token names a key id the verifier does not have (retired, or never known). */
    UNKNOWN_KEY,
    /** The MAC does not match: the token was altered, or signed with other material. */
    BAD_SIGNATURE,
    /** Authentic, but past its expiry plus the allowed clock skew. */
    EXPIRED
  }

  private final Reason reason;

  /**
   * @param reason why the token was refused
   * @param message what was wrong, without key material or the token
   */
  public TokenVerificationException(Reason reason, String message) {
    super(message, null, false);
    this.reason = reason;
  }

  /**
   * Returns why the token was refused.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }
}
