package dev.securecart.cache.internal;

/**
 * Checks that a string can cross Redis unchanged. Keys and tags travel as UTF-8, where an unpaired
 * surrogate becomes {@code ?}: two keys would then share one L2 entry, and an invalidation would
 * arrive naming a key that no node has.
 */
public final class Utf16 {

  private Utf16() {}

  /** Whether {@code s} has no unpaired surrogate. */
  public static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c)
            || i + 1 == s.length()
            || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      }
    }
    return true;
  }
}
