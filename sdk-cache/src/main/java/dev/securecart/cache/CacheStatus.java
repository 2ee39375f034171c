package dev.securecart.cache;

/** Where a {@link CacheResult}'s value came from, and how old it may be. */
public enum CacheStatus {
  /** Fresh, from L1 or L2. */
  FRESH,
  /** Past its fresh time, served at once while a background refresh runs. */
  STALE,
  /** Past its stale-while-revalidate window, served because the origin failed or timed out. */
  STALE_IF_ERROR,
  /** Not usable in any layer; loaded from the origin for this read. */
  MISS_LOADED
}
