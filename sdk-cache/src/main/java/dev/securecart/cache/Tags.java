package dev.securecart.cache;

import static dev.securecart.core.internal.Preconditions.requireArgument;
import static dev.securecart.core.internal.Preconditions.requireNonNull;

import dev.securecart.cache.internal.Utf16;
import java.util.Set;

/** Validation of tag sets, shared by the API types. */
final class Tags {

  private Tags() {}

  static Set<String> copyOf(Set<String> tags) {
    requireNonNull(tags, "tags");
    for (String tag : tags) {
      requireNonNull(tag, "tag");
      requireArgument(!tag.isEmpty(), "a tag must not be empty");
      requireArgument(Utf16.isWellFormed(tag), "a tag must not contain an unpaired surrogate");
    }
    return Set.copyOf(tags);
  }
}
