package org.safeloop.plc.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes the built-in CSTR shield into a file, for tests that bind approvals to shield files. */
final class ShieldFiles {
  static final String RESOURCE = "scenarios/cstr-constrained.shield.yaml";

  private ShieldFiles() {}

  /** Writes the built-in shield of cstr-constrained (its model: the built-in scenario). */
  static Path writeBuiltIn(Path file) throws IOException {
    try (InputStream in = ShieldFiles.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      Files.write(file, in.readAllBytes());
    }
    return file;
  }
}
