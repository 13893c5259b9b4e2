package org.safeloop.experiments.simulate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;
import org.safeloop.shield.ShieldDecision;

/**
 * Writes an episode as CSV, one row per control step: {@code step}, {@code time_min}, every true
 * state, every observation with its quality, every applied action, the reward and every constraint
 * cost, each column named with its unit (e.g. {@code T_K}, {@code Ca_measured_mol_m3}); with a
 * shield, its verdict and reasons. Not thread-safe.
 */
public final class EpisodeRecorder implements AutoCloseable {
  private final ProcessEnvironment env;
  private final CSVPrinter printer;
  private final List<String> header = new ArrayList<>();

  private final boolean shieldColumns;

  /** Opens {@code file} (creating parent folders) and writes the header. */
  public EpisodeRecorder(ProcessEnvironment env, Path file) {
    this(env, file, false);
  }

  /**
   * Opens {@code file} and writes the header; with {@code shieldColumns} the rows end in {@code
   * shield_verdict} and {@code shield_reason}.
   */
  public EpisodeRecorder(ProcessEnvironment env, Path file, boolean shieldColumns) {
    this.env = env;
    this.shieldColumns = shieldColumns;
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Writer writer = Files.newBufferedWriter(file);
      header.add("step");
      header.add("time_min");
      for (SignalSpec s : env.stateSpace().signals()) {
        header.add(s.columnName());
      }
      for (SignalSpec s : env.observationSpace().signals()) {
        boolean setpoint = s.name().endsWith("_setpoint");
        // Measured signals are states seen through sensors; derived ones (errors, filters, a
        // preview) keep their own name.
        boolean measured = !setpoint && env.stateSpace().indexOf(s.name()) >= 0;
        String name = measured ? s.name() + "_measured" : s.name();
        header.add(new SignalSpec(name, s.unit(), s.min(), s.max()).columnName());
        if (!setpoint) {
          header.add(s.name() + "_quality");
        }
      }
      for (SignalSpec s : env.actionSpace().signals()) {
        header.add(s.columnName());
      }
      header.add("action_limited");
      header.add("reward");
      for (String c : env.constraintNames()) {
        header.add("cost_" + c);
      }
      if (shieldColumns) {
        header.add("shield_verdict");
        header.add("shield_reason");
      }
      printer = new CSVPrinter(writer, CSVFormat.DEFAULT);
      printer.printRecord(header);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Returns the column names. */
  public List<String> header() {
    return List.copyOf(header);
  }

  /** Appends the row of one step. */
  public void record(StepResult r) {
    record(r, null);
  }

  /** Appends the row of one step with the shield's decision (may be null without a shield). */
  public void record(StepResult r, ShieldDecision decision) {
    List<Object> row = new ArrayList<>(header.size());
    row.add(r.info().step());
    row.add(env.timeUnit().toMinutes(r.info().time()));
    for (double x : r.info().state()) {
      row.add(x);
    }
    Observation o = r.observation();
    for (int i = 0; i < o.size(); i++) {
      row.add(o.value(i));
      if (!env.observationSpace().get(i).name().endsWith("_setpoint")) {
        row.add(o.quality(i));
      }
    }
    for (double a : r.info().appliedAction()) {
      row.add(a);
    }
    row.add(r.info().actionLimited());
    row.add(r.reward());
    for (double c : r.costs()) {
      row.add(c);
    }
    if (shieldColumns) {
      row.add(decision == null ? "" : decision.verdict().name().toLowerCase(java.util.Locale.ROOT));
      row.add(decision == null ? "" : decision.reason());
    }
    try {
      printer.printRecord(row);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      printer.close(true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
