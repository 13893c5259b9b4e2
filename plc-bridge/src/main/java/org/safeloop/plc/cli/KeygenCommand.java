package org.safeloop.plc.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import org.safeloop.plc.approval.ApprovalKeys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code safeloop keygen}: an Ed25519 key pair for signing closed-loop approvals. */
@Command(
    name = "keygen",
    mixinStandardHelpOptions = true,
    description = {
      "Generate an Ed25519 key pair for approvals or for signing an audit log.",
      "NAME.key is private (PKCS#8 PEM, owner-only); NAME.pub is public (X.509 PEM: give it to",
      "the bridge as --trusted-key, or to shadow-report)."
    })
public final class KeygenCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--name", required = true, paramLabel = "NAME", description = "Key name.")
  String name;

  @Option(
      names = {"-o", "--output"},
      defaultValue = ".",
      paramLabel = "DIR",
      description = "Folder (default the working directory).")
  Path out;

  /** The old spelling of {@code --output}, accepted for one release. */
  @Option(names = "--out", hidden = true, paramLabel = "DIR")
  void legacyOut(Path value) {
    out = value;
  }

  @Override
  public Integer call() throws Exception {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}") || name.contains("..")) {
      throw new IllegalArgumentException(
          "--name must be a plain file name (letters, digits, '.', '_', '-', at most 64), got '"
              + name
              + "': the keys are written into --out and nowhere else");
    }
    Files.createDirectories(out);
    Path privateFile = out.resolve(name + ".key");
    Path publicFile = out.resolve(name + ".pub");
    KeyPair keys = ApprovalKeys.generate();
    ApprovalKeys.savePrivateKey(keys.getPrivate(), privateFile);
    ApprovalKeys.savePublicKey(keys.getPublic(), publicFile);
    PrintWriter w = spec.commandLine().getOut();
    w.println("private key: " + privateFile + " (keep it secret)");
    w.println("public key:  " + publicFile);
    w.println("fingerprint: " + ApprovalKeys.fingerprint(keys.getPublic()));
    w.flush();
    return 0;
  }
}
