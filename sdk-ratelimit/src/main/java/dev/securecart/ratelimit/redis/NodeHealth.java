package dev.securecart.ratelimit.redis;

import dev.securecart.core.internal.LogThrottle;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether one Redis node (the standalone server, or one Cluster master) answers a limiter's
 * decisions in time. A limiter keeps one per node, so that a master that stalls or dies sends only
 * the keys it serves to the fallback: the other masters' keys stay on Redis, and once the node is
 * marked down its keys are decided at once instead of each waiting out the deadline.
 *
 * <p>The limiter changes {@link #down} and the probe keys under its own lock, together with its
 * count of nodes down (the gauge); this class holds the state and the rule for lateness.
 */
final class NodeHealth {

  /** {@link #lateSince} and {@link #lastLate} when no decision has gone without an answer. */
  static final long NOT_LATE = Long.MIN_VALUE;

  /** How logs name the node: its address on a Cluster, {@code "Redis"} for a standalone server. */
  final String name;

  volatile boolean down;

  /**
   * When a decision first went without an answer since the node last answered ({@link #NOT_LATE}:
   * none has). Time, not a count of decisions: one stall leaves every concurrent decision late at
   * once.
   */
  private volatile long lateSince = NOT_LATE;

  /** When the last decision went without an answer: a long enough gap ends a spell of them. */
  private volatile long lastLate = NOT_LATE;

  final AtomicBoolean probing = new AtomicBoolean();
  volatile long nextProbeAt;

  /**
   * The Redis key the recovery check sends its script call with: that of the decision that failed,
   * so that on a Cluster it asks whichever master serves that key's slot now, which after a
   * failover is the replica that took over.
   */
  volatile String[] probeKeys;

  /** Decisions the fallback made for this node's keys since it went down, for the log. */
  final AtomicLong fallbackDecisions = new AtomicLong();

  /** Error replies: logged at most once a minute, with how many came since. */
  final LogThrottle errorReplies = new LogThrottle(Duration.ofMinutes(1));

  NodeHealth(String name, String[] probeKeys) {
    this.name = name;
    this.probeKeys = probeKeys;
  }

  /** The node answered a decision: whatever spell of lateness it had is over. */
  void answered() {
    if (lateSince != NOT_LATE) {
      lateSince = NOT_LATE;
    }
  }

  /**
   * Notes a decision the node left without an answer at {@code now} (real time), and says whether
   * the node has now been silent for {@code window} since the first decision of the spell. A spell
   * with no late decision for {@code max(window, quietGap)} has ended (no traffic): a late decision
   * after a quiet minute is the first of a new spell, not proof of an outage.
   */
  boolean silentFor(long now, long window, long quietGap) {
    long since = lateSince;
    long last = lastLate;
    lastLate = now;
    if (since == NOT_LATE || last == NOT_LATE || now - last >= Math.max(window, quietGap)) {
      lateSince = now;
      return false;
    }
    return now - since >= window;
  }

  /** Called by the limiter, under its lock, when the node is back. */
  void cameBack() {
    down = false;
    lateSince = NOT_LATE;
  }

  @Override
  public String toString() {
    return name + (down ? " (down)" : "");
  }
}
