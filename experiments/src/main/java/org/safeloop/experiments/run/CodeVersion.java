package org.safeloop.experiments.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Names the code a run was made with: the project version and, when the code runs from a git
 * checkout, the commit (with {@code -dirty} when there are uncommitted changes), so a report can
 * say exactly what produced each run.
 */
public final class CodeVersion {
  private static volatile String cached;

  private CodeVersion() {}

  /** Returns e.g. {@code 0.1.0-SNAPSHOT (git 1a2b3c4d5e6f)}, or the version alone outside git. */
  public static String describe() {
    String v = cached;
    if (v == null) {
      String version = CodeVersion.class.getPackage().getImplementationVersion();
      version = version == null ? "development" : version;
      String commit = gitCommit();
      v = commit.isEmpty() ? version : version + " (git " + commit + ")";
      cached = v;
    }
    return v;
  }

  private static String gitCommit() {
    try {
      Path code =
          Path.of(CodeVersion.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = Files.isDirectory(code) ? code : code.getParent();
      String head = git(dir, "rev-parse", "--short=12", "HEAD");
      if (head.isEmpty()) {
        return "";
      }
      String status = git(dir, "status", "--porcelain", "--untracked-files=no");
      return status.isEmpty() ? head : head + "-dirty";
    } catch (Exception e) {
      return "";
    }
  }

  private static String git(Path dir, String... args) throws IOException, InterruptedException {
    String[] command = new String[args.length + 3];
    command[0] = "git";
    command[1] = "-C";
    command[2] = dir.toString();
    System.arraycopy(args, 0, command, 3, args.length);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(5, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "";
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return p.exitValue() == 0 ? out : "";
  }
}
