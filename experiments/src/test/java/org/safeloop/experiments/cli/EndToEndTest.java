package org.safeloop.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.experiments.run.RunDirectory;

/**
 * The offline workflow end to end, as a user types it: train (two seeds, tiny budget) on the FOPDT
 * scenario, evaluate, compare and report; then the files each step leaves behind.
 */
class EndToEndTest {
  @TempDir Path dir;

  static final ObjectMapper JSON = new ObjectMapper();

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = SafeLoopCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    assertEquals(0, code, String.join(" ", args) + "\n" + out + err);
    return out.toString();
  }

  @Test
  void trainEvaluateCompareAndReportOnTheFopdtLoop() throws Exception {
    Path config = dir.resolve("fopdt.yaml");
    Files.writeString(
        config,
        """
        name: fopdt-e2e
        scenario: fopdt
        algorithm: ppo
        hyperparameters: {steps_per_update: 256, epochs: 2, hidden: [16, 16]}
        training: {steps: 512, checkpoint_every: 256}
        evaluation: {episodes: 2, realism: true}
        seeds: [0, 1]
        """);
    Path runs = dir.resolve("runs");
    for (String seed : List.of("0", "1")) {
      run("train", config.toString(), "--seed", seed, "--output", runs.toString(), "--no-progress");
    }
    List<Path> runDirs;
    try (Stream<Path> s = Files.list(runs)) {
      runDirs = s.sorted().toList();
    }
    assertEquals(2, runDirs.size());
    Path first = runDirs.get(0);
    for (String f :
        List.of(
            "config.yaml",
            "run.json",
            "metrics.csv",
            "policy.bundle",
            "eval.json",
            "train.log",
            "checkpoints/step-000000256.bundle")) {
      assertTrue(Files.isRegularFile(first.resolve(f)), f);
    }
    JsonNode info = JSON.readTree(first.resolve("run.json").toFile());
    assertEquals("completed", info.get("status").asText());
    assertEquals("fopdt", info.get("scenario").asText());
    assertEquals(64, info.get("config_hash").asText().length());
    JsonNode eval = JSON.readTree(first.resolve("eval.json").toFile());
    for (String field :
        List.of(
            "return_mean",
            "return_median",
            "return_mad",
            "returns",
            "tracking",
            "violating_steps",
            "violation_magnitude",
            "interventions",
            "interventions_by_layer",
            "actuator_travel")) {
      assertTrue(eval.has(field), "eval.json lacks " + field);
    }
    JsonNode x = eval.get("tracking").get("x");
    for (String field : List.of("iae", "ise", "steps", "median_settling_time", "max_overshoot")) {
      assertTrue(x.has(field), "tracking lacks " + field);
    }

    Path evaluation = dir.resolve("evaluation");
    run(
        "evaluate",
        "--policy",
        first.resolve(RunDirectory.POLICY).toString(),
        "--scenario",
        "fopdt",
        "--episodes",
        "3",
        "--output",
        evaluation.toString());
    JsonNode summary = JSON.readTree(evaluation.resolve("summary.json").toFile());
    assertEquals(3, summary.get("returns").size());

    Path compare = dir.resolve("compare");
    String table = run("compare", runs.toString(), "--output", compare.toString());
    assertTrue(table.contains("ppo") && table.contains("pid") && table.contains("oracle"), table);
    assertTrue(Files.readString(compare.resolve("compare.md")).contains("| fopdt | ppo | 2 |"));

    Path report = dir.resolve("report");
    run("report", runs.toString(), "--output", report.toString());
    String html = Files.readString(report.resolve("report.html"));
    Matcher m = Pattern.compile("<img[^>]*src=\"([^\"]+)\"").matcher(html);
    List<String> images = new ArrayList<>();
    while (m.find()) {
      images.add(m.group(1));
    }
    assertTrue(images.size() >= 4, "too few plots: " + images);
    for (String src : images) {
      Path png = report.resolve(src);
      assertTrue(Files.isRegularFile(png), src);
      BufferedImage image = ImageIO.read(png.toFile());
      assertNotNull(image, src + " is not a valid image");
      assertTrue(image.getWidth() > 100 && image.getHeight() > 100, src);
    }
    assertTrue(html.contains(info.get("config_hash").asText().substring(0, 12)), "no config hash");
    assertTrue(html.contains(info.get("code_version").asText()), "no code version");
  }
}
