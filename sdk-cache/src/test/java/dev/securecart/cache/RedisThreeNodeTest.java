package dev.securecart.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.securecart.core.redis.RedisSettings;
import dev.securecart.core.testing.FaultProxy;
import dev.securecart.core.testing.RedisExtension;
import dev.securecart.core.testing.RedisNamespace;
import dev.securecart.core.testing.RedisTestServer;
import dev.securecart.core.testing.RespClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The three-node proofs on one Redis server, plus the fault proofs, whose nodes reach Redis through
 * a {@link FaultProxy} so that a test can cut it off. The other proofs connect straight to Redis:
 * the proxy's pump threads would add two thread hops each way to what they time.
 */
@ExtendWith(RedisExtension.class)
final class RedisThreeNodeTest extends ThreeNodeProofs {

  private RedisTestServer server;
  private RedisNamespace ns;
  private FaultProxy proxy;
  private boolean throughProxy;

  @BeforeEach
  void setUp(RedisTestServer server, RedisNamespace ns) {
    this.server = server;
    this.ns = ns;
    this.proxy = FaultProxy.startFor(server);
  }

  @AfterEach
  void closeProxy() {
    proxy.close();
  }

  @Override
  RedisSettings.Builder settings(int node) {
    return RedisSettings.builder((throughProxy ? proxy.proxied(server) : server).uri());
  }

  /** Starts the nodes behind the proxy, for the proofs that cut them off from Redis. */
  private void startNodesThroughProxy() {
    throughProxy = true;
    startNodes(false);
  }

  @Override
  String prefix() {
    return ns.prefix();
  }

  private long subscribers() {
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      return (Long) redis.callList("PUBSUB", "NUMSUB", channel()).get(1);
    }
  }

  /** Kills the pub/sub connection of one node on the server side, as a network blip would. */
  private void killPubSubConnection(String clientName) {
    try (RespClient redis = RespClient.connect(server, Duration.ofSeconds(5))) {
      String id =
          redis
              .callString("CLIENT", "LIST")
              .lines()
              .filter(line -> line.contains(" name=" + clientName + " "))
              .filter(line -> line.matches(".* flags=[A-Za-z]*P[A-Za-z]* .*"))
              .map(line -> line.substring(3, line.indexOf(' ')))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no pub/sub connection named " + clientName));
      // By id, not TYPE pubsub: that would cut every node's subscriber (and other tests' too).
      assertThat(redis.call("CLIENT", "KILL", "ID", id)).isEqualTo(1L);
    }
  }

  @Test
  void aNodeWhosePubSubConnectionWasKilledDoesNotServeWhatWasInvalidatedMeanwhile() {
    startNodesThroughProxy();
    Node publisher = nodes.get(0);
    Node victim = nodes.get(1);
    assertThat(victim.cache.get("p1")).isEqualTo("p1:v1");
    long before = subscribers();

    proxy.refuseConnections(true); // the victim cannot reconnect until we heal the proxy
    killPubSubConnection(victim.name);
    await().atMost(Duration.ofSeconds(10)).until(() -> subscribers() == before - 1);

    origin.version = "v2";
    publisher.cache.invalidate("p1"); // published while the victim is not subscribed
    assertThat(victim.stats.count("received.KEY")).isZero();

    proxy.refuseConnections(false);
    await().atMost(Duration.ofSeconds(60)).until(() -> victim.stats.count("busReconnect") >= 1);

    assertThat(victim.cache.get("p1")).isEqualTo("p1:v2");
    assertThat(victim.cache.lookup("p1").value()).contains("p1:v2");
  }

  @Test
  void readsKeepWorkingWhileRedisIsDownAndL2AndTheBusResumeWhenItReturns() {
    startNodesThroughProxy();
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    Node c = nodes.get(2);
    assertThat(a.cache.get("warm")).isEqualTo("warm:v1");

    proxy.refuseConnections(true);
    proxy.resetConnections();

    assertThat(a.cache.get("warm")).isEqualTo("warm:v1"); // L1
    assertThat(b.cache.get("warm")).isEqualTo("warm:v1"); // origin: L2 is gone
    assertThat(c.cache.get("fresh-key")).isEqualTo("fresh-key:v1");
    for (int i = 0; i < 50; i++) {
      assertThat(b.cache.get("during-" + i)).isEqualTo("during-" + i + ":v1");
    }
    assertThat(b.stats.count("get.L2.ERROR")).isGreaterThanOrEqualTo(1);
    assertThatThrownBy(() -> c.cache.invalidate("warm"))
        .isInstanceOf(CacheInvalidationException.class);

    proxy.heal();
    // Every node's bus comes back (and drops its L1, which may have missed messages).
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> nodes.stream().allMatch(n -> n.stats.count("busReconnect") >= 1));
    // L2 is back: a key one node loads is served to another without the origin.
    AtomicInteger probe = new AtomicInteger();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              String key = "probe-" + probe.incrementAndGet();
              a.cache.get(key);
              return b.cache.lookup(key).status() == CacheStatus.FRESH && origin.calls(key) == 1;
            });
    // And the bus carries invalidations again.
    long received = b.stats.count("received.TAG");
    a.cache.invalidateTag("after-recovery");
    await().atMost(Duration.ofSeconds(10)).until(() -> b.stats.count("received.TAG") > received);
  }

  @Test
  void aFrozenRedisCostsAtMostOneTimeoutBeforeReadsSkipL2() {
    startNodesThroughProxy();
    Node a = nodes.get(0);
    proxy.blackHole(true);

    for (int i = 0; i < 20; i++) {
      assertThat(a.cache.get("frozen-" + i)).isEqualTo("frozen-" + i + ":v1");
    }

    // The first miss waited for the command timeout; L2 was then skipped, not asked 20 times.
    assertThat(a.stats.count("get.L2.ERROR")).isEqualTo(20);
    assertThat(origin.totalCalls()).isEqualTo(20);
    proxy.heal();
  }
}
