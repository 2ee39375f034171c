package dev.securecart.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * House rules that the compiler cannot check, over every module of the reactor: each Java package
 * has a {@code package-info.java} marked {@code @NullMarked} (so NullAway checks it), and nothing
 * under {@code sdk-*} imports Spring.
 */
final class ProjectLayoutTest {

  private static final Path ROOT = findReactorRoot();
  private static final String SPRING = "org.springframework";

  @Test
  void everyPackageIsNullMarked() {
    List<Path> packages = javaPackages();

    assertThat(packages).isNotEmpty();
    assertThat(packages)
        .allSatisfy(
            dir -> {
              Path info = dir.resolve("package-info.java");
              boolean sharesMainPackage =
                  dir.toString().contains("src/test/java") && isMainPackage(dir);
              if (!sharesMainPackage) {
                assertThat(info).as("package-info.java in %s", ROOT.relativize(dir)).exists();
                assertThat(read(info)).as("%s", ROOT.relativize(info)).contains("@NullMarked");
              }
            });
  }

  @Test
  void sdkModulesNeverImportSpring() {
    try (Stream<Path> files = Files.walk(ROOT)) {
      List<Path> offenders =
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> ROOT.relativize(p).toString().startsWith("sdk-"))
              .filter(p -> !ROOT.relativize(p).toString().startsWith("sdk-spring-autoconfig"))
              .filter(p -> read(p).lines().anyMatch(line -> line.startsWith("import " + SPRING)))
              .toList();
      assertThat(offenders).isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A test package that mirrors a main package shares the main package-info. */
  private static boolean isMainPackage(Path testDir) {
    String mirrored = testDir.toString().replace("src/test/java", "src/main/java");
    return Files.exists(Path.of(mirrored, "package-info.java"));
  }

  private static List<Path> javaPackages() {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
          .filter(
              p ->
                  p.toString().contains("/src/main/java/")
                      || p.toString().contains("/src/test/java/"))
          .map(Path::getParent)
          .distinct()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path findReactorRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path pom = dir.resolve("pom.xml");
      if (Files.exists(pom) && read(pom).contains("<module>sdk-core</module>")) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "cannot find the reactor root above " + Path.of("").toAbsolutePath());
  }
}
