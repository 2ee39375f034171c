package dev.securecart.core.internal;

import io.lettuce.core.protocol.CommandHandler;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a Lettuce connection whose peer has stopped answering, so that Lettuce reconnects: a
 * command has waited longer than the timeout and nothing at all was read from the connection
 * meanwhile.
 *
 * <p>A peer that vanishes without a reset (a network partition, a Redis pod replaced behind the
 * same service address, a NAT entry dropped) leaves the connection open. Lettuce never reconnects
 * on a command timeout, TCP keepalive does not probe a connection that has unacknowledged data, and
 * the kernel retransmits for about 15 minutes before giving up: every command on that connection
 * times out until then. {@code TCP_USER_TIMEOUT} would end it, but needs Netty's native epoll
 * transport; this does the same on any transport. One instance per channel; every method runs on
 * the channel's event loop, so the fields need no synchronisation.
 */
public final class UnansweredCommandWatch extends ChannelDuplexHandler {

  private static final Logger logger = LoggerFactory.getLogger(UnansweredCommandWatch.class);

  private static final long MAX_CHECK_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long MIN_CHECK_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final long timeoutNanos;
  private final long periodNanos;

  /** Lettuce's commands awaiting a reply on this channel; null until the channel is active. */
  private @Nullable Queue<?> awaitingReply;

  /** Whether a command was written and the replies have not caught up since. */
  private boolean waiting;

  /** Since when the connection has waited without reading anything, while {@link #waiting}. */
  private long waitingSince;

  private @Nullable ScheduledFuture<?> check;

  /** When the last check ran. */
  private long lastCheck;

  private UnansweredCommandWatch(long timeoutNanos) {
    this.timeoutNanos = timeoutNanos;
    this.periodNanos =
        Math.max(MIN_CHECK_PERIOD_NANOS, Math.min(MAX_CHECK_PERIOD_NANOS, timeoutNanos / 4));
  }

  /**
   * What puts a watch on every channel a Lettuce client opens, first in its pipeline.
   *
   * @param timeout how long a command may go unanswered, with nothing read, before the connection
   *     is closed
   * @return the customizer, for {@code ClientResources.builder().nettyCustomizer(...)}
   */
  public static NettyCustomizer customizer(Duration timeout) {
    long nanos = Preconditions.requirePositive(timeout, "timeout").toNanos();
    return new NettyCustomizer() {
      @Override
      public void afterChannelInitialized(Channel channel) {
        channel
            .pipeline()
            .addFirst("securecart-unanswered-command-watch", new UnansweredCommandWatch(nanos));
      }
    };
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    CommandHandler commands = ctx.pipeline().get(CommandHandler.class);
    awaitingReply = commands == null ? null : commands.getStack();
    lastCheck = System.nanoTime();
    check =
        ctx.executor()
            .scheduleAtFixedRate(() -> check(ctx), periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stopChecking();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stopChecking();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (!waiting) {
      waiting = true;
      waitingSince = System.nanoTime();
    }
    super.write(ctx, msg, promise);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    // Passed on first: Lettuce decodes the replies in this call, so the queue is current after it.
    super.channelRead(ctx, msg);
    if (waiting) {
      if (nothingAwaited()) {
        waiting = false;
      } else {
        waitingSince = System.nanoTime(); // the peer is alive: the clock starts again
      }
    }
  }

  @SuppressWarnings("FutureReturnValueIgnored") // closing fails only on a closed channel
  private void check(ChannelHandlerContext ctx) {
    long now = System.nanoTime();
    boolean late = now - lastCheck > 2 * periodNanos;
    lastCheck = now;
    if (late) {
      // The event loop was held up (a blocking callback, a long pause): replies may be waiting
      // unread in the socket behind this task. Judge on the next check, after the loop has read.
      return;
    }
    if (!waiting) {
      return;
    }
    if (nothingAwaited()) {
      waiting = false;
      return;
    }
    long silent = now - waitingSince;
    if (silent >= timeoutNanos) {
      stopChecking();
      Queue<?> queue = awaitingReply;
      logger.warn(
          "Redis at {} answered nothing for {} ms while {} command(s) waited; closing the"
              + " connection so that it reconnects (a peer gone without a reset: a network"
              + " partition, or a server replaced behind the same address)",
          ctx.channel().remoteAddress(),
          TimeUnit.NANOSECONDS.toMillis(silent),
          queue == null ? "?" : queue.size());
      ctx.close();
    }
  }

  private boolean nothingAwaited() {
    Queue<?> queue = awaitingReply;
    // Without Lettuce's queue (not expected), a read counts as every reply having arrived.
    return queue == null || queue.isEmpty();
  }

  private void stopChecking() {
    ScheduledFuture<?> scheduled = check;
    if (scheduled != null) {
      scheduled.cancel(false);
      check = null;
    }
  }
}
