package dev.securecart.core.signing;

import java.time.Instant;

/**
 * A token that passed verification: its payload, the id of the key that signed it, and when it
 * expires. Immutable: the payload is copied on the way out.
 */
public final class VerifiedToken {

  private final byte[] payload;
  private final String keyId;
  private final Instant expiresAt;

  VerifiedToken(byte[] payload, String keyId, Instant expiresAt) {
    this.payload = payload;
    this.keyId = keyId;
    this.expiresAt = expiresAt;
  }

  /**
   * Returns the payload the signer signed.
   *
   * @return a copy of the payload
   */
  public byte[] payload() {
    return payload.clone();
  }

  /**
   * Returns the id of the key that signed the token.
   *
   * @return the key id
   */
  public String keyId() {
    return keyId;
  }

  /**
   * Returns when the token expires (before the verifier's allowed clock skew).
   *
   * @return the expiry, to the millisecond
   */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** Shows the key id, the expiry and the payload's length; never the payload. */
  @Override
  public String toString() {
    return "VerifiedToken[keyId="
        + keyId
        + ", expiresAt="
        + expiresAt
        + ", payload="
        + payload.length
        + " bytes]";
  }
}
