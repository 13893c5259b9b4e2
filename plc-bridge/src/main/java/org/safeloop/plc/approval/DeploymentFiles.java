package org.safeloop.plc.approval;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.safeloop.env.config.SourceFiles.Source;

/**
 * The files a deployment runs, as their loaders read them: the policy bundle, the shield file and
 * the plant file, each first in its list and followed by the files it depends on (for a shield: the
 * scenario its {@code model:} names, then that scenario's equation file), each with the SHA-256 of
 * the bytes that were parsed. {@link Approvals#sign} binds an approval to all of them and {@link
 * Approvals#verify} checks them all.
 *
 * @param bundle the bundle file and what it depends on (a bundle is self-contained: one entry)
 * @param shield the shield file and what it depends on
 * @param plant the plant file and what it depends on
 */
public record DeploymentFiles(List<Source> bundle, List<Source> shield, List<Source> plant) {

  /** Checks each list starts with its file, and copies the lists. */
  public DeploymentFiles {
    bundle = requireRoot(bundle, "bundle");
    shield = requireRoot(shield, "shield");
    plant = requireRoot(plant, "plant");
  }

  private static List<Source> requireRoot(List<Source> files, String role) {
    Objects.requireNonNull(files, role);
    if (files.isEmpty()) {
      throw new IllegalArgumentException("the " + role + " file is missing from the list");
    }
    return List.copyOf(files);
  }

  /**
   * Hashes the files on disk again and returns the first whose content differs from what was loaded
   * (or that is gone), as a sentence; null when every file is as loaded. Built-in files are part of
   * SafeLoop itself and are not re-read.
   */
  public String changedOnDisk() {
    for (List<Source> group : List.of(bundle, shield, plant)) {
      for (Source loaded : group) {
        if (loaded.builtIn()) {
          continue;
        }
        String now;
        try {
          // Streamed, so a file swapped for something huge is hashed without holding it.
          now = Approvals.sha256(Path.of(loaded.location()));
        } catch (NoSuchFileException e) {
          return loaded.kind() + " file " + loaded.location() + " is gone since it was loaded";
        } catch (IOException e) {
          return "cannot read " + loaded.kind() + " file " + loaded.location() + " again: " + e;
        }
        if (!now.equals(loaded.sha256())) {
          return loaded.kind()
              + " file "
              + loaded.location()
              + " changed on disk since it was loaded (loaded sha256 "
              + Approvals.prefix(loaded.sha256())
              + "..., now "
              + Approvals.prefix(now)
              + "...): restart the deployment to load it, with an approval for it";
        }
      }
    }
    return null;
  }
}
