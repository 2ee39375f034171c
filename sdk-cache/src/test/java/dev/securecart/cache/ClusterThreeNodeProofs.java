package dev.securecart.cache;

import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.RedisCluster;
import dev.securecart.core.testing.RedisClusterExtension;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The three-node proofs on a local Redis Cluster, one per test class (its shape from the subclass's
 * {@link dev.securecart.core.testing.RedisClusterShape}); each test has its own prefix.
 */
@ExtendWith(RedisClusterExtension.class)
abstract class ClusterThreeNodeProofs extends ThreeNodeProofs {

  final RedisCluster cluster;
  private final String prefix =
      "sctest:cluster-cache:" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";

  ClusterThreeNodeProofs(RedisCluster cluster) {
    this.cluster = cluster;
  }

  @AfterEach
  void deleteKeys() {
    cluster.deleteKeys(prefix);
  }

  @Override
  RedisSettings.Builder settings(int node) {
    return RedisSettings.cluster(cluster.seedUris());
  }

  @Override
  String prefix() {
    return prefix;
  }
}
