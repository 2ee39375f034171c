package dev.securecart.core.signing;

import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.core.signing.TokenVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;

/** The {@link TokenVerifier} of the HMAC-SHA256 token format; see the package description. */
final class HmacTokenVerifier implements TokenVerifier {

  static final char VERSION = '1';
  static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  /** base64url of a 32-byte MAC, unpadded. */
  static final int MAC_CHARS = 43;

  /** base64url of the longest header: "1." + 64-character id + "." + 15 digits. */
  private static final int MAX_HEADER_CHARS = 110;

  private static final int MAX_EXPIRY_DIGITS = 15;
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  /*
   * Checks run cheapest first and in an order that tells an attacker nothing: the length before
   * anything is decoded, the structure and alphabet before the header is parsed, the MAC before the
   * expiry (a forged token is BAD_SIGNATURE, never EXPIRED, so altering the expiry teaches nothing),
   * and the payload is decoded last, only for authentic tokens. Base64url must be canonical: the
   * last character of a segment may carry unused low bits, and a decoder that ignored them would
   * accept several spellings of one token (the bit-flip property test catches exactly that).
   */

  private final Map<String, SigningKey> keys;
  private final Set<String> keyIds;
  final Clock clock;
  final int maximumTokenLength;
  private final long allowedSkewMillis;

  HmacTokenVerifier(TokenVerifier.Builder builder) {
    this.keys = Collections.unmodifiableMap(new LinkedHashMap<>(builder.keys));
    this.keyIds = Collections.unmodifiableSet(keys.keySet());
    this.clock = builder.clock;
    this.maximumTokenLength = builder.maximumTokenLength;
    this.allowedSkewMillis = builder.allowedClockSkew.toMillis();
  }

  @Override
  public VerifiedToken verify(String token) {
    return tryVerify(token).orElseThrow();
  }

  @Override
  public VerificationResult tryVerify(String token) {
    requireNonNull(token, "token");
    int length = token.length();
    if (length > maximumTokenLength) {
      return malformed("token is longer than " + maximumTokenLength + " characters");
    }
    int firstDot = token.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) {
      return malformed("token does not have three segments separated by '.'");
    }
    if (firstDot == 0 || firstDot > MAX_HEADER_CHARS || length - secondDot - 1 != MAC_CHARS) {
      return malformed("token header or MAC has the wrong length");
    }
    if (!isCanonicalBase64Url(token, 0, firstDot)
        || !isCanonicalBase64Url(token, firstDot + 1, secondDot)
        || !isCanonicalBase64Url(token, secondDot + 1, length)) {
      return malformed("token is not canonical base64url");
    }
    byte[] header = DECODER.decode(token.substring(0, firstDot));
    int idEnd =
        header.length >= 2 && header[0] == VERSION && header[1] == '.' ? indexOf(header) : -1;
    String keyId = idEnd < 0 ? "" : new String(header, 2, idEnd - 2, StandardCharsets.US_ASCII);
    long expiresAt = idEnd < 0 ? -1 : parseExpiry(header, idEnd + 1);
    if (expiresAt < 0 || !SigningKey.isWellFormedId(keyId)) {
      return malformed("token header is not '1.<key id>.<expiry>'");
    }
    SigningKey key = keys.get(keyId);
    if (key == null) {
      return VerificationResult.invalid(
          Reason.UNKNOWN_KEY, "token is signed with unknown key id '" + keyId + "'");
    }
    Mac mac = key.newMac();
    byte[] expected =
        mac.doFinal(token.substring(0, secondDot).getBytes(StandardCharsets.US_ASCII));
    byte[] actual = DECODER.decode(token.substring(secondDot + 1));
    if (!MessageDigest.isEqual(expected, actual)) {
      return VerificationResult.invalid(
          Reason.BAD_SIGNATURE, "token signature does not match key '" + keyId + "'");
    }
    if (clock.millis() >= expiresAt + allowedSkewMillis) {
      return VerificationResult.invalid(
          Reason.EXPIRED,
          "token expired at "
              + Instant.ofEpochMilli(expiresAt)
              + " (allowed clock skew "
              + allowedSkewMillis
              + " ms)");
    }
    byte[] payload = DECODER.decode(token.substring(firstDot + 1, secondDot));
    return VerificationResult.valid(
        new VerifiedToken(payload, keyId, Instant.ofEpochMilli(expiresAt)));
  }

  @Override
  public Set<String> keyIds() {
    return keyIds;
  }

  @Override
  public String toString() {
    return "TokenVerifier[keyIds=" + keyIds + "]";
  }

  private static VerificationResult malformed(String message) {
    return VerificationResult.invalid(Reason.MALFORMED, message);
  }

  /** The index of the '.' that ends the key id, searching from index 2; -1 if none. */
  private static int indexOf(byte[] header) {
    for (int i = 2; i < header.length; i++) {
      if (header[i] == '.') {
        return i;
      }
    }
    return -1;
  }

  /** Parses 1 to 15 ASCII digits from {@code from} to the end; -1 if they are not that. */
  private static long parseExpiry(byte[] header, int from) {
    int digits = header.length - from;
    if (digits < 1 || digits > MAX_EXPIRY_DIGITS || (digits > 1 && header[from] == '0')) {
      return -1;
    }
    long value = 0;
    for (int i = from; i < header.length; i++) {
      int digit = header[i] - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  /** Whether {@code s[from, to)} is unpadded base64url with zero unused trailing bits. */
  static boolean isCanonicalBase64Url(String s, int from, int to) {
    int length = to - from;
    if (length % 4 == 1) {
      return false;
    }
    int last = 0;
    for (int i = from; i < to; i++) {
      last = base64UrlValue(s.charAt(i));
      if (last < 0) {
        return false;
      }
    }
    return switch (length % 4) {
      case 2 -> (last & 0x0F) == 0;
      case 3 -> (last & 0x03) == 0;
      default -> true;
    };
  }

  private static int base64UrlValue(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '-') {
      return 62;
    }
    return c == '_' ? 63 : -1;
  }
}
