package org.safeloop.experiments.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.experiments.run.MetricsLog;

/** Learning curves binned from hand-made {@code metrics.csv} files. */
class LearningCurvesTest {
  @TempDir Path dir;

  private Path metrics(String name, String... rows) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join(",", MetricsLog.COLUMNS) + "\n" + String.join("\n", rows));
    return file;
  }

  private static String episode(long envSteps, String episodeReturn) {
    return "episode,," + envSteps + ",1,0.5," + episodeReturn + ",0,0,0,,,,,";
  }

  @Test
  void readTakesEpisodeRowsOnlyAndSkipsEmptyCells() throws IOException {
    Path file =
        metrics(
            "a.csv",
            episode(30, "-5"),
            "update,1,64,2,0.9,-4,0,,,0.1,0.2,0.3,0,",
            episode(60, ""),
            episode(90, "-3"),
            "episode,,120,4"); // cut short by a crash
    LearningCurves.Episodes e = LearningCurves.read(file, "episode_return");
    assertEquals(List.of(30L, 90L), List.of(e.envSteps()[0], e.envSteps()[1]));
    assertEquals(2, e.size());
    assertEquals(-5, e.values()[0]);
    assertEquals(-3, e.values()[1]);
  }

  @Test
  void binIsTheMedianMinAndMaxOverSeedsOfEachSeedsMeanInTheBin() throws IOException {
    // Budget 100 in 4 bins of 25 steps: (0,25], (25,50], (50,75], (75,100].
    LearningCurves.Episodes a =
        LearningCurves.read(
            metrics("a.csv", episode(10, "1"), episode(20, "3"), episode(60, "10")),
            "episode_return");
    LearningCurves.Episodes b =
        LearningCurves.read(
            metrics("b.csv", episode(25, "5"), episode(70, "20"), episode(130, "7")),
            "episode_return");
    LearningCurves.Episodes c =
        LearningCurves.read(
            metrics("c.csv", episode(5, "-4"), episode(55, "30"), episode(100, "9")),
            "episode_return");

    List<LearningCurves.Point> points = LearningCurves.bin(List.of(a, b, c), 100, 4);

    // Bin 1 holds nothing and is left out; seed b's episode past the budget counts in the last.
    assertEquals(3, points.size());
    assertEquals(new LearningCurves.Point(12.5, 2, -4, 5, 3), points.get(0)); // means 2, 5, -4
    assertEquals(new LearningCurves.Point(62.5, 20, 10, 30, 3), points.get(1));
    assertEquals(new LearningCurves.Point(87.5, 8, 7, 9, 2), points.get(2)); // seed a has none
  }

  @Test
  void aSingleSeedHasNoBand() throws IOException {
    LearningCurves.Episodes a =
        LearningCurves.read(
            metrics("a.csv", episode(50, "-2"), episode(100, "-1")), "episode_return");
    List<LearningCurves.Point> points = LearningCurves.bin(List.of(a), 100, 2);
    assertEquals(
        List.of(
            new LearningCurves.Point(25, -2, -2, -2, 1),
            new LearningCurves.Point(75, -1, -1, -1, 1)),
        points);
  }

  @Test
  void binCountIsCappedByTheFewestEpisodesOfAnySeed() {
    LearningCurves.Episodes three =
        new LearningCurves.Episodes(new long[] {1, 2, 3}, new double[] {0, 0, 0});
    LearningCurves.Episodes none = new LearningCurves.Episodes(new long[0], new double[0]);
    assertEquals(3, LearningCurves.binCount(List.of(three), 40));
    assertEquals(2, LearningCurves.binCount(List.of(three), 2));
    assertEquals(1, LearningCurves.binCount(List.of(three, none), 40));
  }

  @Test
  void unknownColumnIsRefusedWithTheKnownOnes() throws IOException {
    Path file = metrics("a.csv", episode(10, "1"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LearningCurves.read(file, "returns"));
    assertEquals(true, e.getMessage().contains("episode_return"), e.getMessage());
  }
}
