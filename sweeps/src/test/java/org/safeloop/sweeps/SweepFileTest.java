package org.safeloop.sweeps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.config.ConfigException;
import picocli.CommandLine;

/** Sweep files: the grid they make, and errors that name the file, line and key (no Spark). */
class SweepFileTest {
  @TempDir Path dir;

  @BeforeEach
  void writeExperiment() throws IOException {
    Files.writeString(
        dir.resolve("base.yaml"),
        """
        scenario: fopdt
        algorithm: ppo
        hyperparameters: {steps_per_update: 128, hidden: [8]}
        training: {steps: 256}
        seeds: [0, 1, 2]
        """);
  }

  private Path write(String text) throws IOException {
    Path f = dir.resolve("sweep.yaml");
    Files.writeString(f, text);
    return f;
  }

  private ConfigException failure(String text) throws IOException {
    Path f = write(text);
    return assertThrows(ConfigException.class, () -> Sweep.load(f, null));
  }

  private static void assertBlames(ConfigException e, String file, int line, String field) {
    assertTrue(e.file().endsWith(file), e.getMessage());
    assertEquals(line, e.line(), e.getMessage());
    assertEquals(field, e.field(), e.getMessage());
  }

  @Test
  void gridIsTheProductOfTheAxesAndSeedsDefaultToTheExperiments() throws IOException {
    Sweep sweep =
        Sweep.load(
            write(
                """
                experiment: base.yaml
                scenarios: [fopdt, first-order]
                hyperparameters:
                  learning_rate: [0.001, 0.0003]
                  hidden: [[8], [16, 16]]
                """),
            null);
    assertEquals(2 * 2 * 2 * 3, sweep.size());
    assertEquals(List.of("scenario", "learning_rate", "hidden"), sweep.varied());
    assertEquals(Path.of("runs", "sweep"), sweep.output());
    List<GridPoint> points = sweep.points(Instant.parse("2026-12-04T10:00:00Z"));
    GridPoint first = points.get(0);
    assertEquals("fopdt__ppo__0__20261204-100000__c0000", first.runName());
    assertEquals(Map.of("learning_rate", 0.001, "hidden", List.of(8)), first.hyperparameters());
    assertEquals("first-order", points.get(points.size() - 1).scenario());
    assertTrue(
        sweep.configurations().get(3).yaml().contains("learning_rate: 3.0E-4"),
        sweep.configurations().get(3).yaml());
    assertEquals(points.size(), points.stream().map(GridPoint::runName).distinct().count());
  }

  @Test
  void randomSearchDrawsTheSameDistinctConfigurationsFromTheSameSeed() throws IOException {
    String text =
        """
        experiment: base.yaml
        seeds: [5]
        hyperparameters:
          learning_rate: [0.1, 0.01, 0.001, 0.0001]
          epochs: [1, 2, 3]
        random: {samples: 4, seed: 7}
        """;
    Sweep a = Sweep.load(write(text), null);
    Sweep b = Sweep.load(write(text), null);
    assertEquals(4, a.size());
    assertEquals(a.toString(), b.toString());
    assertEquals(4, a.configurations().stream().map(Sweep.Configuration::label).distinct().count());
    Sweep other = Sweep.load(write(text.replace("seed: 7", "seed: 8")), null);
    assertFalse(a.toString().equals(other.toString()), "another seed draws another sample");
  }

  @Test
  void everyShippedSweepFileLoads() throws IOException {
    List<Path> shipped;
    try (var files = Files.list(Path.of("configs"))) {
      shipped = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(shipped.size() >= 3, "shipped sweep files: " + shipped);
    for (Path f : shipped) {
      Sweep sweep = Sweep.load(f, dir.resolve("out"));
      assertFalse(sweep.points(Instant.EPOCH).isEmpty(), f.toString());
    }
  }

  @Test
  void misspelledKeyIsNamedWithItsLine() throws IOException {
    ConfigException e = failure("experiment: base.yaml\nscenario: [fopdt]\n");
    assertBlames(e, "sweep.yaml", 2, "scenario");
    assertTrue(e.getMessage().contains("allowed keys are"), e.getMessage());
  }

  @Test
  void unknownAlgorithmIsNamedByItsPositionInTheAxis() throws IOException {
    ConfigException e = failure("experiment: base.yaml\nalgorithms:\n  - ppo\n  - dqn\n");
    assertBlames(e, "sweep.yaml", 4, "algorithms[1]");
  }

  @Test
  void unknownScenarioIsNamedByItsPositionInTheAxis() throws IOException {
    ConfigException e = failure("experiment: base.yaml\nscenarios: [fopdt, no-such-plant]\n");
    assertBlames(e, "sweep.yaml", 2, "scenarios[1]");
    assertTrue(e.getMessage().contains("no-such-plant"), e.getMessage());
  }

  @Test
  void unknownHyperparameterIsNamedWithItsLine() throws IOException {
    ConfigException e = failure("experiment: base.yaml\nhyperparameters:\n  learning_rat: [0.1]\n");
    assertBlames(e, "sweep.yaml", 3, "hyperparameters.learning_rat");
    assertTrue(e.getMessage().contains("unknown hyper-parameter"), e.getMessage());
  }

  @Test
  void hyperparameterValueOfTheWrongKindIsNamedWithItsLine() throws IOException {
    ConfigException e =
        failure("experiment: base.yaml\nseeds: [0]\nhyperparameters:\n  epochs: [2, 2.5]\n");
    assertBlames(e, "sweep.yaml", 4, "hyperparameters.epochs");
  }

  @Test
  void emptyAxisAndRepeatedValuesAreRefused() throws IOException {
    assertBlames(failure("experiment: base.yaml\nseeds: []\n"), "sweep.yaml", 2, "seeds");
    assertBlames(
        failure("experiment: base.yaml\n\nscenarios: [fopdt, fopdt]\n"),
        "sweep.yaml",
        3,
        "scenarios");
  }

  @Test
  void randomSampleLargerThanTheGridIsRefused() throws IOException {
    ConfigException e =
        failure("experiment: base.yaml\nalgorithms: [ppo, ppo-lag]\nrandom:\n  samples: 3\n");
    assertBlames(e, "sweep.yaml", 4, "random.samples");
    assertTrue(e.getMessage().contains("the grid has 2 configurations"), e.getMessage());
  }

  @Test
  void missingExperimentFileIsNamed() throws IOException {
    ConfigException e = failure("seeds: [0]\nexperiment: nowhere.yaml\n");
    assertBlames(e, "sweep.yaml", 2, "experiment");
  }

  @Test
  void problemOfTheExperimentItselfNamesTheExperimentFile() throws IOException {
    Files.writeString(
        dir.resolve("base.yaml"), "scenario: fopdt\nalgorithm: ppo\ntraining: {steps: -5}\n");
    ConfigException e = failure("experiment: base.yaml\n");
    assertBlames(e, "base.yaml", 3, "training.steps");
  }

  @Test
  void badSweepFileFailsBeforeAnyFolderIsMade() throws IOException {
    Path f = write("experiment: base.yaml\nalgorithms: [ppo, dqn]\n");
    Path out = dir.resolve("never");
    StringWriter err = new StringWriter();
    CommandLine cli = SweepMain.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    int code = cli.execute("sweep", f.toString(), "-o", out.toString());
    assertEquals(2, code, err.toString());
    assertTrue(err.toString().contains("sweep.yaml:2: field 'algorithms[1]'"), err.toString());
    assertFalse(Files.exists(out));
  }

  @Test
  void localMastersGetSparksRetriesAndClusterMastersStayAsGiven() {
    assertEquals("local[*,4]", SparkSweep.withRetries("local[*]"));
    assertEquals("local[2,4]", SparkSweep.withRetries("local[2]"));
    assertEquals("local[1,4]", SparkSweep.withRetries("local"));
    assertEquals("local[2,9]", SparkSweep.withRetries("local[2,9]"));
    assertEquals("spark://h:7077", SparkSweep.withRetries("spark://h:7077"));
  }
}
