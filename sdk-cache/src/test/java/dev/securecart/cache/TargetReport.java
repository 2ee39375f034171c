package dev.securecart.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends a measurement to a report file under the module's {@code target/}, where every run of a
 * proof leaves its figures (RESULTS.md and the README quote them).
 */
public final class TargetReport {

  private TargetReport() {}

  /** Appends {@code line} to {@code target/<fileName>}. */
  public static void append(String fileName, String line) {
    Path file = Path.of("target", fileName);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          line + System.lineSeparator(),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
