/**
 * Compact, expiring tokens signed with HMAC-SHA256: waiting-room passes that any node checks
 * without a round trip, and webhook signatures. {@link dev.securecart.core.signing.TokenSigner}
 * signs with one {@link dev.securecart.core.signing.SigningKey} and verifies with several (key
 * rotation); {@link dev.securecart.core.signing.TokenVerifier} only verifies.
 *
 * <h2>Token format</h2>
 *
 * <pre>
 * token   = header "." payload "." mac
 * header  = base64url( "1." key-id "." expires-at )        ASCII; expires-at in Unix epoch milliseconds
 * payload = base64url( payload bytes )                      may be empty
 * mac     = base64url( HMAC-SHA256( key[key-id], ASCII(header "." payload) ) )
 * </pre>
 *
 * Base64url is RFC 4648 section 5 without padding, and must be canonical (unused trailing bits
 * zero), so every token has exactly one spelling. {@code 1} is the format version; key ids are 1 to
 * 64 characters from {@code [A-Za-z0-9_-]}. The MAC covers the header, so the key id and expiry
 * cannot be changed without the key. This is not a JWT: there is no algorithm field to negotiate.
 * The payload is signed, not encrypted: anyone holding a token can read it.
 */
@NullMarked
package dev.securecart.core.signing;

import org.jspecify.annotations.NullMarked;
