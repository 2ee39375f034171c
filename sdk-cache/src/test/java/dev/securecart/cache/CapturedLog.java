package dev.securecart.cache;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * What the tests' SLF4J backend (slf4j-simple, which looks {@code System.err} up on every write)
 * prints while this is open; still printed as well. Close it to stop capturing.
 */
final class CapturedLog implements AutoCloseable {

  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  CapturedLog() {
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            original.write(b);
            captured.write(b);
          }

          @Override
          public void write(byte[] bytes, int offset, int length) {
            original.write(bytes, offset, length);
            captured.write(bytes, offset, length);
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  /** The captured lines that contain every one of {@code parts}. */
  List<String> lines(String... parts) {
    return captured
        .toString(StandardCharsets.UTF_8)
        .lines()
        .filter(line -> Arrays.stream(parts).allMatch(line::contains))
        .toList();
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
