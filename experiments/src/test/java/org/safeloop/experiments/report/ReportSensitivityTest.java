package org.safeloop.experiments.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.run.Trainer;

/** The report's sensitivity view: return against each hyper-parameter that differs between runs. */
class ReportSensitivityTest {
  @TempDir Path work;

  private static Experiment fopdt(String learningRate) {
    return Experiment.parse(
        """
        scenario: fopdt
        algorithm: ppo
        hyperparameters: {steps_per_update: 128, epochs: 1, hidden: [8], learning_rate: %s}
        training: {steps: 256}
        evaluation: {episodes: 1}
        """
            .formatted(learningRate),
        "fopdt-" + learningRate + ".yaml");
  }

  private static String median(Trainer.Result... results) {
    double[] medians = new double[results.length];
    for (int i = 0; i < results.length; i++) {
      medians[i] = results[i].evaluation().returnMedian();
    }
    java.util.Arrays.sort(medians);
    double m =
        medians.length % 2 == 1
            ? medians[medians.length / 2]
            : (medians[medians.length / 2 - 1] + medians[medians.length / 2]) / 2;
    return String.format(Locale.ROOT, "%.2f", m);
  }

  @Test
  void reportTabulatesTheReturnForEachValueOfAVariedHyperparameter() throws IOException {
    Path runs = work.resolve("runs");
    AtomicBoolean never = new AtomicBoolean();
    Trainer.Result slow0 = Trainer.run(fopdt("0.001"), 0, runs.resolve("slow0"), false, never);
    Trainer.Result slow1 = Trainer.run(fopdt("0.001"), 1, runs.resolve("slow1"), false, never);
    Trainer.Result fast0 = Trainer.run(fopdt("0.01"), 0, runs.resolve("fast0"), false, never);

    String html = Files.readString(Report.write(List.of(runs), List.of(), work.resolve("report")));
    assertTrue(html.contains("7. Sensitivity to hyper-parameters"), html);
    assertTrue(html.contains("ppo, learning_rate:"), html);
    assertTrue(
        html.contains(
            "<tr><td>0.001</td><td class=\"num\">2</td><td class=\"num\">"
                + median(slow0, slow1)
                + "</td>"),
        html);
    assertTrue(
        html.contains(
            "<tr><td>0.01</td><td class=\"num\">1</td><td class=\"num\">"
                + median(fast0)
                + "</td>"),
        html);
    // steps_per_update, epochs and hidden are the same in every run: no table for them.
    assertTrue(!html.contains("ppo, epochs:") && !html.contains("ppo, hidden:"), html);
  }
}
