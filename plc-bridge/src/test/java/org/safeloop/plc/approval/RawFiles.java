package org.safeloop.plc.approval;

import java.nio.file.Path;
import java.util.List;
import org.safeloop.env.config.SourceFiles;

/** Deployment files hashed as raw bytes, without dependencies: for tests of the checks alone. */
final class RawFiles {
  private RawFiles() {}

  static DeploymentFiles of(Path bundle, Path shield, Path plant) {
    return new DeploymentFiles(one(bundle, "bundle"), one(shield, "shield"), one(plant, "plant"));
  }

  private static List<SourceFiles.Source> one(Path file, String kind) {
    SourceFiles sources = new SourceFiles();
    sources.read(file, kind);
    return sources.list();
  }
}
