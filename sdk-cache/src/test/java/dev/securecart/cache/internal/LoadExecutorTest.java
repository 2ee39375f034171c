package dev.securecart.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

final class LoadExecutorTest {

  /**
   * A load thread is created by whichever thread submits when none is idle, often a request's: it
   * must carry none of that thread's inheritable thread locals (a request's logging context would
   * label other loads), nor its context class loader.
   */
  @Test
  void aLoadThreadInheritsNothingFromTheThreadThatCreatesIt() throws Exception {
    InheritableThreadLocal<String> requestId = new InheritableThreadLocal<>();
    CompletableFuture<String> seen = new CompletableFuture<>();
    Thread request =
        new Thread(
            () -> {
              requestId.set("request-1");
              Thread load =
                  LoadExecutor.threadFactory()
                      .newThread(
                          () ->
                              seen.complete(
                                  requestId.get()
                                      + " "
                                      + (Thread.currentThread().getContextClassLoader()
                                          == LoadExecutor.class.getClassLoader())));
              assertThat(load.isDaemon()).isTrue();
              assertThat(load.getName()).startsWith("securecart-cache-load-");
              load.start();
            });
    try (URLClassLoader requestLoader =
        new URLClassLoader(new URL[0], getClass().getClassLoader())) {
      request.setContextClassLoader(requestLoader);
      request.start();
      request.join(10_000);

      assertThat(seen.get()).isEqualTo("null true");
    }
  }
}
