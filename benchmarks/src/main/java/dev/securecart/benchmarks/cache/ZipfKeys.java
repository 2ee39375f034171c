package dev.securecart.benchmarks.cache;

import java.util.Random;

/**
 * A fixed, shuffled sequence of keys in {@code [0, items)} drawn from a Zipf distribution (s =
 * 0.99, as YCSB's), so that benchmarks read hot keys often and cold keys rarely, as shops do.
 * Precomputed: drawing a key in the measured loop is an array read.
 */
final class ZipfKeys {

  static final int SIZE = 1 << 20;
  static final int MASK = SIZE - 1;

  private ZipfKeys() {}

  static Long[] generate(int items, long seed) {
    double[] cdf = new double[items];
    double sum = 0;
    for (int i = 0; i < items; i++) {
      sum += 1.0 / Math.pow(i + 1, 0.99);
      cdf[i] = sum;
    }
    Random random = new Random(seed);
    // Scramble ranks so that hot keys are spread over the key space.
    int[] scramble = new int[items];
    for (int i = 0; i < items; i++) {
      scramble[i] = i;
    }
    for (int i = items - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = scramble[i];
      scramble[i] = scramble[j];
      scramble[j] = t;
    }
    Long[] keys = new Long[SIZE];
    for (int n = 0; n < SIZE; n++) {
      double u = random.nextDouble() * sum;
      int lo = 0;
      int hi = items - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      keys[n] = (long) scramble[lo];
    }
    return keys;
  }
}
