package org.safeloop.experiments.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.cli.SafeLoopCommand;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.Stats;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;
import org.safeloop.experiments.run.Trainer;
import picocli.CommandLine;

/**
 * The report on real run directories: two seeds of PPO on a copy of the FOPDT loop whose name and
 * description need escaping, and one seed of PPO-Lag trained through the shield on the constrained
 * CSTR, each trained here with a tiny budget through the public API.
 */
class ReportTest {
  private static final Pattern IMG = Pattern.compile("<img src=\"([^\"]+)\"");

  /** A scenario name and description that break HTML unless escaped. */
  private static final String NAME = "fopdt <small> & co";

  private static final String DESCRIPTION = "<script>alert('x')</script> \"tiny\" & fast";

  @TempDir static Path work;

  private static Path runs;
  private static Path report;
  private static String html;

  @BeforeAll
  static void trainRunsAndWriteTheReport() throws IOException {
    runs = work.resolve("runs");
    Path scenario = work.resolve("fopdt-small.yaml");
    Files.writeString(scenario, fopdtCopy());
    Experiment fopdt =
        Experiment.parse(
            """
            scenario: %s
            algorithm: ppo
            hyperparameters: {steps_per_update: 256}
            training: {steps: 512}
            evaluation: {episodes: 2}
            seeds: [0, 1]
            """
                .formatted(scenario),
            "fopdt-small.yaml");
    Experiment shielded =
        Experiment.parse(
            """
            scenario: cstr-constrained
            algorithm: ppo-lag
            hyperparameters: {steps_per_update: 256}
            shield: cstr-constrained
            shield_penalty: {reward: 1.0, reward_per_correction: 10.0, cost: 0.0}
            training: {steps: 512, realism: true}
            evaluation: {episodes: 1, realism: true}
            """,
            "cstr-shield.yaml");
    for (long seed : List.of(0L, 1L)) {
      Trainer.run(
          fopdt, seed, runs.resolve("fopdt-small__ppo__" + seed), false, new AtomicBoolean());
    }
    Trainer.run(
        shielded, 0, runs.resolve("cstr-constrained__ppo-lag__0"), false, new AtomicBoolean());

    report = work.resolve("report");
    Path page = Report.write(List.of(runs), List.of("pid", "oracle"), report);
    assertEquals(report.resolve(Report.PAGE), page);
    html = Files.readString(page);
  }

  private static String fopdtCopy() throws IOException {
    try (InputStream in = Scenarios.class.getResourceAsStream("/scenarios/fopdt.yaml")) {
      assertNotNull(in, "the built-in fopdt scenario");
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.replaceFirst("(?m)^name: .*$", "name: \"" + NAME + "\"")
          .replaceFirst(
              "(?m)^description: >-\\n(  .*\\n)+",
              "description: '" + DESCRIPTION.replace("'", "''") + "'\n");
    }
  }

  @Test
  void everyImageThePageShowsExistsAndDecodesAtTheChartSize() throws IOException {
    List<String> sources = new ArrayList<>();
    Matcher m = IMG.matcher(html);
    while (m.find()) {
      sources.add(m.group(1));
    }
    // 2 scenarios x (return curve, trajectory of the tracked variable, input, histogram),
    // plus for the CSTR its cost curve, its constrained temperature and the two shield charts.
    assertEquals(12, sources.size(), sources.toString());
    assertEquals(sources.size(), sources.stream().distinct().count(), "file names are unique");
    for (String src : sources) {
      assertFalse(src.contains("/") || src.contains("<") || src.contains(" "), src);
      Path png = report.resolve(src);
      assertTrue(Files.isRegularFile(png), src);
      BufferedImage image = ImageIO.read(png.toFile());
      assertNotNull(image, src + " decodes");
      assertEquals(Charts.WIDTH, image.getWidth(), src);
      assertEquals(Charts.HEIGHT, image.getHeight(), src);
    }
  }

  @Test
  void pageShowsAComparisonRowForEveryPolicyAndBaseline() throws IOException {
    String escaped = Html.escape(NAME);
    double[] medians = new double[2];
    for (int seed = 0; seed < 2; seed++) {
      Path dir = runs.resolve("fopdt-small__ppo__" + seed);
      medians[seed] =
          RunDirectory.readJson(dir.resolve(RunDirectory.EVAL), EvaluationSummary.class)
              .returnMedian();
    }
    String median = String.format(Locale.ROOT, "%.2f", Stats.median(medians));
    assertTrue(
        html.contains(
            "<tr><td>"
                + escaped
                + "</td><td>ppo</td><td class=\"num\">2</td><td class=\"num\">"
                + median
                + "</td>"),
        "learned row with the median over seeds " + median);
    for (String scenario : List.of(escaped, "cstr-constrained")) {
      assertTrue(html.contains("<tr class=\"baseline\"><td>" + scenario + "</td><td>pid</td>"));
      String oracle = "<tr class=\"baseline\"><td>" + scenario + "</td><td>oracle</td>";
      int at = html.indexOf(oracle);
      assertTrue(at >= 0, scenario);
      String row = html.substring(at, html.indexOf("</tr>", at));
      assertTrue(row.contains("<td class=\"num\">0.000</td>"), "no gap to itself: " + row);
    }
    assertTrue(html.contains("<td>cstr-constrained</td><td>ppo-lag+shield</td>"));
    assertTrue(html.contains("(median oracle return - median policy return) / episode length"));
    assertTrue(html.contains("noise-free on the true state"));
  }

  @Test
  void pageNamesEveryRunWithItsSeedConfigHashAndCodeVersion() throws IOException {
    List<Path> dirs;
    try (Stream<Path> list = Files.list(runs)) {
      dirs = list.sorted().toList();
    }
    assertEquals(3, dirs.size());
    for (Path dir : dirs) {
      RunInfo info = RunDirectory.info(dir);
      String row =
          "<tr><td>"
              + dir.getFileName()
              + "</td><td>"
              + (info.shielded() ? "ppo-lag+shield" : "ppo")
              + "</td><td class=\"num\">"
              + info.seed()
              + "</td><td>"
              + info.configHash().substring(0, 12)
              + "</td><td>"
              + Html.escape(info.codeVersion())
              + "</td><td>completed</td>";
      assertTrue(html.contains(row), row);
    }
  }

  @Test
  void textFromRunsAndScenariosIsEscaped() {
    assertFalse(html.contains("<script"), "no markup from a scenario reaches the page");
    assertFalse(html.contains("<small>"));
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;tiny&quot;"));
    assertTrue(html.contains("<h3>Scenario fopdt &lt;small&gt; &amp; co</h3>"));
    assertEquals("a&lt;b&gt;&amp;&quot;c&quot;&#39;", Html.escape("a<b>&\"c\"'"));
  }

  @Test
  void shieldedRunGetsAVerdictTimelineAndItsReasons() {
    assertTrue(html.contains("shield-verdicts-cstr-constrained.png"));
    assertTrue(html.contains("shield-training-cstr-constrained.png"));
    assertTrue(html.contains("No run of " + Html.escape(NAME) + " was trained with a shield."));
    Path episode =
        report.resolve(
            "trajectories/cstr-constrained/cstr-constrained__ppo-lag__0/ppo-lag__episode-1000000.csv");
    Trajectory t = Trajectory.read(episode);
    boolean anyReason = t.text("shield_reason").stream().anyMatch(r -> !r.isBlank());
    assertEquals(
        anyReason, html.contains("<th>shield reason (layer and rule)</th>"), "reasons table");
    long repaired = t.text("shield_verdict").stream().filter(v -> v.equals("repaired")).count();
    assertTrue(html.contains("repaired " + repaired + ", fallback "), "counts in the caption");
  }

  @Test
  void commandLineReportsWithoutBaselinesAndNamesARunThatDidNotComplete() throws IOException {
    Path stopped = work.resolve("stopped/fopdt-small__ppo__7");
    Files.createDirectories(stopped);
    Files.writeString(
        stopped.resolve(RunDirectory.RUN),
        Files.readString(runs.resolve("fopdt-small__ppo__0").resolve(RunDirectory.RUN))
            .replace("\"completed\"", "\"interrupted\"")
            .replace("\"message\" : \"\"", "\"message\" : \"stopped by request\""));
    Path out = work.resolve("no-baselines");
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.setOut(new PrintWriter(stdout));
    cli.setErr(new PrintWriter(stderr));

    int code =
        cli.execute(
            "report",
            runs.toString(),
            stopped.getParent().toString(),
            "--baselines",
            "",
            "--output",
            out.toString());

    assertEquals(0, code, stderr.toString());
    assertEquals(out.resolve(Report.PAGE).toString(), stdout.toString().strip());
    String page = Files.readString(out.resolve(Report.PAGE));
    assertTrue(
        page.contains("Left out: fopdt-small__ppo__7 (status interrupted: stopped by request)"),
        "the interrupted run is named");
    assertFalse(page.contains("<td>oracle</td>") || page.contains("<td>pid</td>"));
    assertTrue(Files.isRegularFile(out.resolve("trajectory-cstr-constrained-T.png")));
  }

  @Test
  void theSameRunsGiveTheSameReport() throws IOException {
    Path again = work.resolve("again");
    Report.write(List.of(runs), List.of("pid", "oracle"), again);
    assertEquals(html, Files.readString(again.resolve(Report.PAGE)));
    Matcher m = IMG.matcher(html);
    while (m.find()) {
      assertArrayEquals(
          Files.readAllBytes(report.resolve(m.group(1))),
          Files.readAllBytes(again.resolve(m.group(1))),
          m.group(1));
    }
  }
}
