package org.safeloop.plc.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.safeloop.env.config.SourceFiles;
import org.safeloop.env.config.SourceFiles.Source;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.approval.DeploymentFiles;
import org.safeloop.plc.opcua.OpcUaOptions;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;

/**
 * The files of one deployment, each read once: the policy bundle's bytes (hashed, not yet
 * unpacked), the shield with the scenario and model files it depends on, and the plant file with
 * the OPC UA trust lists it names, with the {@link DeploymentFiles} an approval is checked against.
 * The bytes hashed are the bytes run: nothing is read a second time between the approval check and
 * use.
 *
 * <p>The bundle is unpacked only by {@link #bundle()}, so that a caller can check the approval
 * first and refuse a tampered bundle (a zip bomb, say) on its hash without opening it.
 *
 * <p>Not thread-safe.
 */
public final class DeploymentInputs {
  private final Path bundleFile;
  private final byte[] bundleBytes;
  private final SafetyShield shield;
  private final Scenario modelScenario;
  private final PlantFile plant;
  private final DeploymentFiles files;
  private PolicyBundle bundle;

  private DeploymentInputs(
      Path bundleFile,
      byte[] bundleBytes,
      SafetyShield shield,
      Scenario modelScenario,
      PlantFile plant,
      DeploymentFiles files) {
    this.bundleFile = bundleFile;
    this.bundleBytes = bundleBytes;
    this.shield = shield;
    this.modelScenario = modelScenario;
    this.plant = plant;
    this.files = files;
  }

  /**
   * Reads the three files and everything they depend on.
   *
   * @param bundle the policy bundle file (read, hashed, not unpacked; at most {@link
   *     PolicyBundles#MAX_BUNDLE_BYTES})
   * @param shield the shield (constraint) file
   * @param plant the plant file
   * @throws IllegalArgumentException naming the file (and line and field) of the first problem
   */
  public static DeploymentInputs read(Path bundle, Path shield, Path plant) {
    Objects.requireNonNull(bundle, "bundle");
    SourceFiles bundleSources = new SourceFiles();
    byte[] bytes = bundleSources.read(bundle, "bundle", PolicyBundles.MAX_BUNDLE_BYTES);
    SourceFiles shieldSources = new SourceFiles();
    SafetyShield loadedShield =
        Shields.load(Objects.requireNonNull(shield, "shield"), shieldSources);
    // The shield's scenario (its PID is a policy the bridge may run) read again, and held to the
    // same bytes as the shield's own reading: what the approval binds is what runs.
    SourceFiles scenarioSources = new SourceFiles();
    Scenario scenario = Shields.modelScenario(shield.toString(), scenarioSources);
    requireSameBytes(scenarioSources.list(), shieldSources.list());
    SourceFiles plantSources = new SourceFiles();
    PlantFile loadedPlant = PlantFile.load(Objects.requireNonNull(plant, "plant"), plantSources);
    readTrustLists(loadedPlant, plantSources);
    return new DeploymentInputs(
        bundle,
        bytes,
        loadedShield,
        scenario,
        loadedPlant,
        new DeploymentFiles(bundleSources.list(), shieldSources.list(), plantSources.list()));
  }

  /** Largest certificate file read from a trust list, in bytes. */
  static final long MAX_CERTIFICATE_BYTES = 1024 * 1024;

  /**
   * Adds the OPC UA trust lists to the plant file's dependencies: every certificate in the PKI
   * directory's {@code trusted/certs} and {@code issuer/certs} (sorted by name), because which
   * server the bridge trusts decides where its setpoints go. The bridge's own key ({@code own/})
   * and the rejected certificates are not bound: they change without changing whom it trusts.
   */
  private static void readTrustLists(PlantFile plant, SourceFiles sources) {
    if (!(plant.connection().options() instanceof OpcUaOptions opcua)
        || opcua.pkiDirectory() == null) {
      return;
    }
    for (String list : new String[] {"trusted", "issuer"}) {
      Path certs = opcua.pkiDirectory().resolve(list).resolve("certs");
      if (!Files.isDirectory(certs)) {
        continue;
      }
      List<Path> files;
      try (Stream<Path> entries = Files.list(certs)) {
        files = entries.filter(Files::isRegularFile).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list the OPC UA trust list " + certs, e);
      }
      for (Path file : files) {
        sources.read(file, list + " certificate", MAX_CERTIFICATE_BYTES);
      }
    }
  }

  /** Returns the files as loaded, with their hashes, for an approval. */
  public DeploymentFiles files() {
    return files;
  }

  /**
   * Unpacks the policy bundle from the bytes read (once; later calls return the same bundle).
   *
   * @throws IllegalArgumentException when the bytes are not a valid bundle
   */
  public PolicyBundle bundle() {
    if (bundle == null) {
      bundle = PolicyBundles.load(bundleBytes, bundleFile.toString());
    }
    return bundle;
  }

  /** Refuses a file whose second reading differs from the first (edited while loading). */
  private static void requireSameBytes(List<Source> again, List<Source> first) {
    for (Source s : again) {
      for (Source f : first) {
        if (f.location().equals(s.location()) && !f.sha256().equals(s.sha256())) {
          throw new IllegalStateException(
              s.location() + " changed while the deployment was loading it; load it again");
        }
      }
    }
  }

  /** Returns the scenario the shield predicts with (its PID is the {@code pid} policy). */
  public Scenario modelScenario() {
    return modelScenario;
  }

  /** Returns the shield loaded. */
  public SafetyShield shield() {
    return shield;
  }

  /** Returns the plant file loaded. */
  public PlantFile plant() {
    return plant;
  }
}
