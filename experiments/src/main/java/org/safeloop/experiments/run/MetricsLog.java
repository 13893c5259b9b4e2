package org.safeloop.experiments.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.safeloop.agent.UpdateMetrics;

/**
 * Writes a run's {@code metrics.csv}: one row per training episode ({@code kind = episode}) and one
 * per update ({@code kind = update}), in the order they happen, each row flushed as it is written
 * so that an interrupted run leaves a consistent file (every line complete). Empty cells are
 * figures a row kind does not have. Not thread-safe.
 */
public final class MetricsLog implements AutoCloseable {
  /** The columns, in order. */
  public static final List<String> COLUMNS =
      List.of(
          "kind",
          "update",
          "env_steps",
          "episodes",
          "wall_seconds",
          "episode_return",
          "episode_cost",
          "violations",
          "shield_interventions",
          "policy_loss",
          "value_loss",
          "entropy",
          "multiplier",
          "extra");

  private final BufferedWriter out;

  /** Creates {@code file} and writes the header. */
  MetricsLog(Path file) {
    try {
      out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
      out.write(String.join(",", COLUMNS));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Appends one finished training episode. */
  void episode(long envSteps, long episodes, double wallSeconds, EpisodeMonitor.Episode e) {
    row(
        "episode",
        "",
        Long.toString(envSteps),
        Long.toString(episodes),
        number(wallSeconds),
        e.failed() ? "" : number(e.episodeReturn()), // a failed episode has no return
        number(e.cost()),
        Integer.toString(e.violatingSteps()),
        Integer.toString(e.interventions()),
        "",
        "",
        "",
        "",
        "");
  }

  /** Appends one update. */
  void update(UpdateMetrics m, double wallSeconds) {
    row(
        "update",
        Integer.toString(m.update()),
        Long.toString(m.environmentSteps()),
        Long.toString(m.episodes()),
        number(wallSeconds),
        number(m.episodeReturn()),
        number(m.episodeCost()),
        "",
        "",
        number(m.policyLoss()),
        number(m.valueLoss()),
        number(m.entropy()),
        number(m.multiplier()),
        number(m.extra()));
  }

  private void row(String... cells) {
    try {
      out.write(String.join(",", cells));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to metrics.csv", e);
    }
  }

  private static String number(double x) {
    return Double.isNaN(x) ? "" : String.format(Locale.ROOT, "%.6g", x);
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
