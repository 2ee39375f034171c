package dev.securecart.core.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A local Redis Cluster for tests: {@code masters} masters with {@code replicasPerMaster} replicas
 * each, all {@code redis-server} processes on free loopback ports, slots split evenly. {@link
 * #start} returns once every live node reports {@code cluster_state:ok} and every replica is in
 * sync; {@link #close()} stops every node.
 *
 * <p>Shards are numbered by their slot range (shard 0 owns the lowest slots) and keep their number
 * across failovers. Not thread-safe: drive it from the test thread.
 */
public final class RedisCluster implements AutoCloseable {

  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

  /** Short, so that a stopped master is failed over in a couple of seconds. */
  private static final int NODE_TIMEOUT_MILLIS = 1500;

  private final List<Node> nodes;

  private RedisCluster(List<Node> nodes) {
    this.nodes = nodes;
  }

  /** One node of the cluster. */
  public static final class Node {
    private volatile RedisProcess process;
    private final String id;
    private final int shard;

    Node(RedisProcess process, String id, int shard) {
      this.process = process;
      this.id = id;
      this.shard = shard;
    }

    /** The node's port on 127.0.0.1. */
    public int port() {
      return process.port();
    }

    /** The node's cluster id. */
    public String id() {
      return id;
    }

    /** The shard (slot range) this node serves or replicates. */
    public int shard() {
      return shard;
    }

    /** Whether the node's process runs. */
    public boolean isAlive() {
      return process.isAlive();
    }

    /** The node as a test server. */
    public RedisTestServer server() {
      return new RedisTestServer("127.0.0.1", port(), null, 0, false, RedisTestServer.Source.GIVEN);
    }

    /** Whether the node currently reports itself as a master. */
    public boolean isMaster() {
      try (RespClient redis = RespClient.connect(server(), CALL_TIMEOUT)) {
        return "master".equals(redis.callList("ROLE").get(0));
      }
    }

    @Override
    public String toString() {
      return "node 127.0.0.1:" + port() + " (shard " + shard + ")";
    }
  }

  /**
   * Starts a cluster from the {@code redis-server} on {@code PATH}.
   *
   * @throws IllegalStateException if {@code redis-server} is not installed or the cluster does not
   *     form within a minute
   */
  public static RedisCluster start(int masters, int replicasPerMaster) {
    if (masters < 3) {
      throw new IllegalArgumentException(
          "a Redis Cluster needs at least 3 masters, but was " + masters);
    }
    if (replicasPerMaster < 0) {
      throw new IllegalArgumentException(
          "replicasPerMaster must be >= 0, but was " + replicasPerMaster);
    }
    Path binary =
        RedisServerLocator.fromEnvironment()
            .redisServerOnPath()
            .orElseThrow(() -> new IllegalStateException(RedisServerLocator.HOW_TO_GET_REDIS));
    List<RedisProcess> processes = new ArrayList<>();
    try {
      int total = masters * (1 + replicasPerMaster);
      for (int i = 0; i < total; i++) {
        processes.add(
            RedisProcess.start(
                binary,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                Integer.toString(NODE_TIMEOUT_MILLIS),
                "--cluster-replica-validity-factor",
                "0",
                "--appendonly",
                "no"));
      }
      List<Node> nodes = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        RedisProcess process = processes.get(i);
        String id;
        try (RespClient redis = RespClient.connect(process.server(), CALL_TIMEOUT)) {
          id = redis.callString("CLUSTER", "MYID");
        }
        nodes.add(new Node(process, id, i % masters));
      }
      RedisCluster cluster = new RedisCluster(nodes);
      cluster.form(masters);
      return cluster;
    } catch (RuntimeException e) {
      processes.forEach(RedisProcess::close);
      throw e;
    }
  }

  private void form(int masters) {
    Node first = nodes.get(0);
    for (Node node : nodes.subList(1, nodes.size())) {
      call(node, "CLUSTER", "MEET", "127.0.0.1", Integer.toString(first.port()));
    }
    for (int shard = 0; shard < masters; shard++) {
      int from = shard * 16384 / masters;
      int to = (shard + 1) * 16384 / masters - 1;
      List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
      for (int slot = from; slot <= to; slot++) {
        command.add(Integer.toString(slot));
      }
      call(nodes.get(shard), command.toArray(String[]::new));
    }
    Awaitility.await("every node knows all " + nodes.size() + " nodes")
        .atMost(FORM_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> nodes.stream().allMatch(n -> clusterNodes(n).size() == nodes.size()));
    for (Node replica : nodes.subList(masters, nodes.size())) {
      call(replica, "CLUSTER", "REPLICATE", nodes.get(replica.shard()).id());
    }
    awaitHealthy();
  }

  /**
   * Waits until every live node reports {@code cluster_state:ok}, every shard has exactly one live
   * master that all live nodes agree on, and every live replica's link to its master is up.
   */
  public void awaitHealthy() {
    Awaitility.await("cluster healthy: " + describe())
        .atMost(FORM_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(this::isHealthy);
  }

  private boolean isHealthy() {
    List<Node> live = liveNodes();
    for (Node node : live) {
      if (!clusterInfo(node).contains("cluster_state:ok")) {
        return false;
      }
      if (!node.isMaster() && !info(node, "replication").contains("master_link_status:up")) {
        return false;
      }
    }
    for (int shard = 0; shard < shardCount(); shard++) {
      int s = shard;
      List<Node> masters = live.stream().filter(n -> n.shard() == s && n.isMaster()).toList();
      if (masters.size() != 1) {
        return false;
      }
      String masterId = masters.get(0).id();
      for (Node node : live) {
        boolean agrees =
            clusterNodes(node).stream()
                .anyMatch(line -> line.startsWith(masterId + " ") && line.contains("master"));
        if (!agrees) {
          return false;
        }
      }
    }
    return true;
  }

  /** All nodes, live or stopped. */
  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** The nodes whose process still runs. */
  public List<Node> liveNodes() {
    return nodes.stream().filter(Node::isAlive).toList();
  }

  /** The number of shards (slot ranges). */
  public int shardCount() {
    return (int) nodes.stream().mapToInt(Node::shard).distinct().count();
  }

  /** The live node that is currently master of {@code shard}. */
  public Node master(int shard) {
    return liveNodes().stream()
        .filter(n -> n.shard() == shard && n.isMaster())
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("shard " + shard + " has no live master"));
  }

  /** The live master that currently serves {@code key}'s slot. */
  public Node masterFor(String key) {
    long slot;
    try (RespClient redis = RespClient.connect(liveNodes().get(0).server(), CALL_TIMEOUT)) {
      slot = (Long) redis.call("CLUSTER", "KEYSLOT", key);
    }
    int shards = shardCount();
    for (int shard = 0; shard < shards; shard++) {
      if (slot <= (long) (shard + 1) * 16384 / shards - 1) {
        return master(shard);
      }
    }
    throw new IllegalStateException("slot " + slot + " is out of range");
  }

  /** A live replica of {@code shard}, if it has one. */
  public Optional<Node> replica(int shard) {
    return liveNodes().stream().filter(n -> n.shard() == shard && !n.isMaster()).findFirst();
  }

  /** Seed URIs of every live node, {@code redis://127.0.0.1:port}, for a cluster client. */
  public List<String> seedUris() {
    return liveNodes().stream().map(n -> "redis://127.0.0.1:" + n.port()).toList();
  }

  /**
   * Promotes the replica of {@code shard} with {@code CLUSTER FAILOVER} (a coordinated, lossless
   * failover) and waits until the cluster is healthy with it as master.
   *
   * @return the new master
   */
  public Node failover(int shard) {
    Node replica =
        replica(shard)
            .orElseThrow(() -> new IllegalStateException("shard " + shard + " has no replica"));
    call(replica, "CLUSTER", "FAILOVER");
    Awaitility.await(replica + " becomes master")
        .atMost(FORM_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(replica::isMaster);
    awaitHealthy();
    return replica;
  }

  /**
   * Kills the master of {@code shard} (as a crashed machine would vanish) and, when the shard has a
   * replica, waits until the cluster promoted it and is healthy again.
   *
   * @return the stopped master
   */
  public Node killMaster(int shard) {
    Node master = master(shard);
    kill(master);
    return master;
  }

  /**
   * Kills {@code node} (as a crashed machine would vanish) and, unless it was a master without a
   * replica to take over, waits until the cluster is healthy again.
   */
  public void kill(Node node) {
    boolean recoverable = !node.isMaster() || replica(node.shard()).isPresent();
    node.process.kill();
    if (recoverable) {
      awaitHealthy();
    }
  }

  /**
   * Starts a killed node again with its old port and {@code nodes.conf}, as a repaired machine
   * would come back, and waits until the cluster is healthy with it (a master that was failed over
   * rejoins as a replica of its successor).
   */
  public void restart(Node node) {
    node.process = node.process.restart();
    awaitHealthy();
  }

  /**
   * Starts a killed node again with its {@code nodes.conf} (so its id) but on a new port, as a
   * restarted pod comes back at a new address, and waits until the cluster is healthy with it.
   */
  public void restartOnNewPort(Node node) {
    node.process = node.process.restartOnNewPort();
    awaitHealthy();
  }

  /** Deletes every key that starts with {@code prefix} on every live master. */
  public void deleteKeys(String prefix) {
    for (Node node : liveNodes()) {
      if (!node.isMaster()) {
        continue;
      }
      try (RespClient redis = RespClient.connect(node.server(), CALL_TIMEOUT)) {
        String cursor = "0";
        do {
          List<Object> page =
              redis.callList("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000");
          cursor = (String) page.get(0);
          for (Object key : (List<?>) page.get(1)) {
            redis.call("DEL", (String) key);
          }
        } while (!"0".equals(cursor));
      }
    }
  }

  @Override
  public void close() {
    nodes.forEach(n -> n.process.close());
  }

  private String describe() {
    return nodes.stream().map(Node::toString).collect(Collectors.joining(", "));
  }

  private static Object call(Node node, String... command) {
    try (RespClient redis = RespClient.connect(node.server(), CALL_TIMEOUT)) {
      return redis.call(command);
    }
  }

  private static String clusterInfo(Node node) {
    return (String) call(node, "CLUSTER", "INFO");
  }

  private static String info(Node node, String section) {
    return (String) call(node, "INFO", section);
  }

  private static List<String> clusterNodes(Node node) {
    return ((String) call(node, "CLUSTER", "NODES"))
        .lines()
        .filter(line -> !line.isBlank() && !line.contains("fail") && !line.contains("handshake"))
        .toList();
  }
}
