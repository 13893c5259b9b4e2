package org.safeloop.experiments.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.safeloop.agent.ppo.PpoConfig;
import org.safeloop.agent.sac.SacConfig;
import org.safeloop.env.config.ConfigException;
import org.safeloop.experiments.cli.SafeLoopCommand;
import picocli.CommandLine;

/** Experiment files: the shipped examples load, and every mistake names file, line and key. */
class ExperimentFileTest {
  @TempDir Path dir;

  private static final String VALID =
      """
      scenario: fopdt
      algorithm: ppo
      hyperparameters:
        steps_per_update: 256
        learning_rate: 0.001
      training:
        steps: 1024
      evaluation:
        episodes: 2
      seeds: [3]
      """;

  /**
   * Every experiment file under configs/, the studies' included (scenario files beside them are
   * not).
   */
  static Stream<Path> shippedConfigs() throws IOException {
    try (Stream<Path> files = Files.walk(Path.of("configs"))) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .filter(ExperimentFileTest::isExperimentFile)
          .sorted()
          .toList()
          .stream();
    }
  }

  private static boolean isExperimentFile(Path file) {
    try {
      return Files.readAllLines(file).stream().anyMatch(l -> l.startsWith("algorithm:"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest
  @MethodSource("shippedConfigs")
  void everyShippedExperimentFileLoads(Path file) {
    Experiment e = Experiment.load(file);
    assertEquals(e.spec().scenario(), e.spec().scenario());
    assertFalse(e.configHash().isEmpty());
  }

  @Test
  void shippedFilesCoverEveryBuiltInScenarioAndTheShieldedCstr() throws IOException {
    List<Experiment> all = shippedConfigs().map(Experiment::load).toList();
    for (String scenario : org.safeloop.env.scenario.Scenarios.builtInNames()) {
      assertTrue(
          all.stream().anyMatch(e -> e.scenario().name().equals(scenario)),
          "no example experiment for " + scenario);
    }
    assertTrue(
        all.stream().anyMatch(e -> e.scenario().name().equals("cstr-constrained") && e.shielded()));
  }

  @Test
  void hyperparametersOverrideThePublishedDefaultsAndTheRestStay() {
    Experiment e = Experiment.parse(VALID, "valid.yaml");
    PpoConfig c = (PpoConfig) e.algorithmConfig();
    assertEquals(256, c.stepsPerUpdate());
    assertEquals(1e-3, c.learningRate());
    assertEquals(PpoConfig.defaults().clipCoef(), c.clipCoef());
    assertFalse(c.lagrangian());
    Experiment lag = Experiment.parse(VALID.replace("algorithm: ppo", "algorithm: ppo-lag"), "x");
    assertTrue(((PpoConfig) lag.algorithmConfig()).lagrangian());
    Experiment sac =
        Experiment.parse(
            "scenario: fopdt\nalgorithm: sac-lag\nhyperparameters: {hidden: [32, 16]}\n"
                + "training: {steps: 100}\n",
            "sac.yaml");
    SacConfig s = (SacConfig) sac.algorithmConfig();
    assertEquals(List.of(32, 16), java.util.Arrays.stream(s.hidden()).boxed().toList());
    assertTrue(s.lagrangian());
    assertEquals(Double.POSITIVE_INFINITY, s.maxGradNorm());
  }

  @Test
  void theResolvedFileOfARunLoadsBackToTheSameConfiguration() throws IOException {
    for (String text :
        List.of(
            VALID,
            "scenario: cstr-constrained\nalgorithm: sac-lag\nshield: cstr-constrained\n"
                + "shield_penalty: {reward: 1.0}\ntraining: {steps: 100}\n")) {
      Experiment e = Experiment.parse(text, "original.yaml");
      Path file = dir.resolve("resolved.yaml");
      Files.writeString(file, e.resolvedYaml(3));
      Experiment back = Experiment.load(file);
      assertEquals(e.configHash(), back.configHash());
      assertEquals(e.resolvedYaml(3), back.resolvedYaml(3));
    }
  }

  @Test
  void theConfigHashIgnoresSeedsButNotHyperparameters() {
    Experiment a = Experiment.parse(VALID, "a.yaml");
    Experiment b = Experiment.parse(VALID.replace("seeds: [3]", "seeds: [4, 5]"), "b.yaml");
    Experiment c = Experiment.parse(VALID.replace("0.001", "0.002"), "c.yaml");
    assertEquals(a.configHash(), b.configHash());
    assertFalse(a.configHash().equals(c.configHash()));
  }

  record Mistake(String description, String from, String to, String key, int line) {}

  static Stream<Mistake> mistakes() {
    return Stream.of(
        new Mistake("unknown algorithm", "algorithm: ppo", "algorithm: dqn", "algorithm", 2),
        new Mistake(
            "missing scenario", "scenario: fopdt", "scenario: no-such-plant", "scenario", 1),
        new Mistake("negative budget", "steps: 1024", "steps: -1024", "training.steps", 7),
        new Mistake("misspelled key", "training:", "trainng:", "trainng", 6),
        new Mistake(
            "misspelled hyper-parameter",
            "learning_rate: 0.001",
            "learning_rte: 0.001",
            "hyperparameters.learning_rte",
            5),
        new Mistake(
            "invalid hyper-parameter value",
            "steps_per_update: 256",
            "steps_per_update: 0",
            "hyperparameters.steps_per_update",
            4),
        new Mistake(
            "zero evaluation episodes", "episodes: 2", "episodes: 0", "evaluation.episodes", 9),
        new Mistake(
            "shield for another model", "seeds: [3]", "shield: cstr-constrained", "shield", 10),
        new Mistake(
            "residual on an unknown base",
            "steps: 1024",
            "steps: 1024\n  residual:\n    base: mpc\n    bound: {u: 0.5}",
            "training.residual.base",
            9),
        new Mistake(
            "residual bound of an action the scenario lacks",
            "steps: 1024",
            "steps: 1024\n  residual:\n    base: pid\n    bound: {u: 0.5, v: 1.0}",
            "training.residual.bound.v",
            10),
        new Mistake(
            "residual bound wider than the action",
            "steps: 1024",
            "steps: 1024\n  residual:\n    base: pid\n    bound: {u: 50.0}",
            "training.residual.bound.u",
            10),
        new Mistake(
            "negative residual bound",
            "steps: 1024",
            "steps: 1024\n  residual:\n    base: pid\n    bound: {u: -0.5}",
            "training.residual.bound.u",
            10),
        new Mistake(
            "action mapping without a shield",
            "steps: 1024",
            "steps: 1024\n  action_mapping: shield",
            "training.action_mapping",
            8),
        new Mistake(
            "unknown action mapping",
            "steps: 1024",
            "steps: 1024\n  action_mapping: box",
            "training.action_mapping",
            8),
        new Mistake(
            "action mapping and residual at once",
            "steps: 1024",
            "steps: 1024\n  action_mapping: shield\n  residual:\n    base: pid\n    bound: {u: 0.5}",
            "training.action_mapping",
            8));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void aMistakeNamesTheFileLineAndKey(Mistake m) throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, VALID.replace(m.from(), m.to()));
    ConfigException e = assertThrows(ConfigException.class, () -> Experiment.load(file));
    assertEquals(file.toString(), e.file(), m.description());
    assertEquals(m.key(), e.field(), m.description() + ": " + e.getMessage());
    assertEquals(m.line(), e.line(), m.description() + ": " + e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void trainRefusesABadFileWithOneLineAndCreatesNoRunDirectory(Mistake m) throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, VALID.replace(m.from(), m.to()));
    Path runs = dir.resolve("runs");
    StringWriter err = new StringWriter();
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int code = cli.execute("train", file.toString(), "--output", runs.toString(), "--no-progress");
    assertEquals(2, code, err.toString());
    assertTrue(
        err.toString().startsWith("safeloop: " + file + ":" + m.line() + ": field '" + m.key()),
        err.toString());
    assertFalse(Files.exists(runs), "a run directory was created for a bad file");
  }

  @Test
  void aMissingFileIsNamed() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> Experiment.load(dir.resolve("none.yaml")));
    assertTrue(e.getMessage().contains("none.yaml"), e.getMessage());
    assertInstanceOf(IllegalArgumentException.class, e);
  }

  private ConfigException parseFails(String text) {
    return assertThrows(ConfigException.class, () -> Experiment.parse(text, "x.yaml"));
  }

  @Test
  void aFractionalHyperParameterIsRefusedForAWholeNumberRatherThanTruncated() {
    ConfigException e = parseFails(VALID.replace("steps_per_update: 256", "epochs: 2.7"));
    assertEquals("hyperparameters.epochs", e.field(), e.getMessage());
    assertTrue(e.getMessage().contains("expected a whole number, got 2.7"), e.getMessage());
    ConfigException quoted = parseFails(VALID.replace("steps: 1024", "steps: \"1024\""));
    assertEquals("training.steps", quoted.field(), quoted.getMessage());
    ConfigException flag = parseFails(VALID.replace("episodes: 2", "episodes: 2\n  realism: 1"));
    assertEquals("evaluation.realism", flag.field(), flag.getMessage());
  }

  @Test
  void anEmptySeedListIsRefusedRatherThanReplacedBySeedZero() {
    ConfigException e = parseFails(VALID.replace("seeds: [3]", "seeds: []"));
    assertEquals("seeds", e.field());
    assertTrue(e.getMessage().contains("trains nothing"), e.getMessage());
  }

  @Test
  void aMissingAlgorithmIsNotCalledUnknownNull() {
    ConfigException e = parseFails(VALID.replace("algorithm: ppo\n", ""));
    assertEquals("algorithm", e.field());
    assertFalse(e.getMessage().contains("null"), e.getMessage());
    assertTrue(e.getMessage().contains("give the algorithm"), e.getMessage());
  }

  @Test
  void sizesAboveTheirBoundsAreRefusedAtLoad() {
    ConfigException hidden =
        parseFails(VALID.replace("learning_rate: 0.001", "hidden: [100000000, 64]"));
    assertEquals("hyperparameters.hidden", hidden.field(), hidden.getMessage());
    assertTrue(hidden.getMessage().contains("between 1 and 4096"), hidden.getMessage());
    assertEquals(
        "evaluation.episodes",
        parseFails(VALID.replace("episodes: 2", "episodes: 1000000")).field());
    assertEquals(
        "training.steps", parseFails(VALID.replace("steps: 1024", "steps: 100000000000")).field());
    String manySeeds =
        java.util.stream.LongStream.range(0, 1001)
            .mapToObj(Long::toString)
            .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    ConfigException seeds = parseFails(VALID.replace("[3]", manySeeds));
    assertEquals("seeds", seeds.field());
    assertTrue(seeds.getMessage().contains("at most 1000 seeds"), seeds.getMessage());
  }

  @Test
  void aScenarioFileGivenAsAnExperimentSaysWhatItIs() {
    ConfigException e = parseFails("name: s\nprocess: cstr\nsteps: 10\n");
    assertEquals(
        "x.yaml: this is a scenario file; an experiment refers to it with `scenario:`",
        e.getMessage());
  }
}
