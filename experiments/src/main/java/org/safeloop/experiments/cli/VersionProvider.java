package org.safeloop.experiments.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest (or "development" when run from classes). */
final class VersionProvider implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = SafeLoopCommand.class.getPackage().getImplementationVersion();
    return new String[] {"safeloop " + (v == null ? "development" : v)};
  }
}
