package org.safeloop.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.realism.RealismConfig;
import org.safeloop.env.scenario.Scenarios;
import picocli.CommandLine;

/** The safeloop command line, run in-process as a user would run it. */
class CommandLineTest {
  @TempDir Path dir;

  record Run(int exitCode, String out, String err) {}

  /** Runs the command line in process and returns its exit code and output. */
  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void simulateWritesOneRowPerStepWithUnitsInTheHeader() throws IOException {
    Path csv = dir.resolve("pid.csv");
    Run r = run("simulate", "cstr-tracking", "--seed", "3", "-o", csv.toString());
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = Files.readAllLines(csv);
    assertEquals(61, lines.size());
    assertEquals(
        "step,time_min,Ca_mol_m3,T_K,Ca_measured_mol_m3,Ca_quality,T_measured_K,T_quality,"
            + "Ca_setpoint_mol_m3,Tc_K,action_limited,reward",
        lines.get(0));
    assertTrue(lines.get(60).startsWith("60,26.0"), lines.get(60));
    assertTrue(r.out().contains("cstr-tracking: 60 steps"), r.out());
  }

  @Test
  void simulateWithConstantInputsMatchesTheEnvironmentRunDirectly() throws IOException {
    Path csv = dir.resolve("constant.csv");
    Run r =
        run(
            "simulate",
            "cstr-tracking",
            "--constant",
            "Tc=299.5",
            "--realism",
            "off",
            "-o",
            csv.toString());
    assertEquals(0, r.exitCode(), r.err());
    ProcessEnvironment env = Scenarios.load("cstr-tracking").createEnvironment(false, null);
    env.reset(0);
    StepResult last = null;
    for (int k = 0; k < 60; k++) {
      last = env.step(new double[] {299.5});
    }
    String[] row = Files.readAllLines(csv).get(60).split(",");
    assertEquals(last.info().state()[1], Double.parseDouble(row[3]), 0.0);
  }

  @Test
  void simulateFollowsAnActionScheduleWithZeroOrderHold() throws IOException {
    Path schedule = dir.resolve("actions.csv");
    Files.writeString(schedule, "time,u\n0,0.2\n0.5,0.9\n");
    Path csv = dir.resolve("out.csv");
    Run r = run("simulate", "first-order", "--actions", schedule.toString(), "-o", csv.toString());
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = Files.readAllLines(csv);
    int uColumn = List.of(lines.get(0).split(",")).indexOf("u");
    assertEquals(0.2, Double.parseDouble(lines.get(5).split(",")[uColumn]), 1e-12, "step 5");
    assertEquals(0.9, Double.parseDouble(lines.get(6).split(",")[uColumn]), 1e-12, "step 6");
  }

  @Test
  void aTrajectorySimulateWroteReplaysAsItWasRecorded() throws IOException {
    // The PI's episode (realism off), then the same episode from its recorded actions.
    Path recorded = dir.resolve("pid.csv");
    Run pid = run("simulate", "cstr-tracking", "--realism", "off", "-o", recorded.toString());
    assertEquals(0, pid.exitCode(), pid.err());
    Path replayed = dir.resolve("replay.csv");
    Run replay =
        run(
            "simulate",
            "--scenario",
            "cstr-tracking",
            "--realism",
            "off",
            "--actions",
            recorded.toString(),
            "-o",
            replayed.toString());
    assertEquals(0, replay.exitCode(), replay.err());

    List<String> a = Files.readAllLines(recorded);
    List<String> b = Files.readAllLines(replayed);
    assertEquals(a.size(), b.size());
    List<String> header = List.of(a.get(0).split(","));
    int tc = header.indexOf("Tc_K");
    int temperature = header.indexOf("T_K");
    assertTrue(tc > 0 && temperature > 0, a.get(0));
    for (int k = 1; k < a.size(); k++) {
      String[] x = a.get(k).split(",");
      String[] y = b.get(k).split(",");
      assertEquals(x[tc], y[tc], "the jacket of step " + k);
      assertEquals(x[temperature], y[temperature], "the reactor temperature of step " + k);
    }
  }

  @Test
  void aScheduleMayGiveItsTimeUnitAndItsInputsWithUnits() throws IOException {
    // first-order's model runs in minutes: 30 s is half a minute, the 0.5 of the schedule above.
    Path schedule = dir.resolve("seconds.csv");
    Files.writeString(schedule, "time_s,u\n0,0.2\n30,0.9\n");
    Path csv = dir.resolve("out.csv");
    Run r = run("simulate", "first-order", "--actions", schedule.toString(), "-o", csv.toString());
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = Files.readAllLines(csv);
    int uColumn = List.of(lines.get(0).split(",")).indexOf("u");
    assertEquals(0.2, Double.parseDouble(lines.get(5).split(",")[uColumn]), 1e-12, "step 5");
    assertEquals(0.9, Double.parseDouble(lines.get(6).split(",")[uColumn]), 1e-12, "step 6");

    Files.writeString(schedule, "time_fortnight,u\n0,0.2\n");
    Run bad =
        run("simulate", "first-order", "--actions", schedule.toString(), "-o", csv.toString());
    assertEquals(2, bad.exitCode());
    assertTrue(bad.err().contains("'time_s', 'time_min' or 'time_h'"), bad.err());
  }

  @Test
  void stepsBeyondTheEpisodeAreRunWithAWarning() throws IOException {
    Path csv = dir.resolve("long.csv");
    Run r = run("simulate", "cstr-tracking", "--steps", "80", "-o", csv.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.err().contains("beyond the scenario's episode of 60 steps"), r.err());
    assertEquals(81, Files.readAllLines(csv).size(), "a header and 80 rows");
    Run inside = run("simulate", "cstr-tracking", "--steps", "20", "-o", csv.toString());
    assertFalse(inside.err().contains("warning"), inside.err());
  }

  @Test
  void aModelParameterThatNoEquationUsesIsWarnedOf() throws IOException {
    Path model = dir.resolve("tank.yaml");
    try (var in = getClass().getClassLoader().getResourceAsStream("models/heated-tank.yaml")) {
      String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      Files.writeString(
          model,
          text.replace(
              "  T_in: {value: 293.15,",
              "  T_inlet: {value: 300.0, unit: K, description: a typo of T_in}\n"
                  + "  T_in: {value: 293.15,"));
    }
    Path scenario = dir.resolve("tank-scenario.yaml");
    Files.writeString(
        scenario,
        "name: tank\nprocess: tank.yaml\nsteps: 5\nduration: 15.0\n"
            + "setpoints: {T: [{value: 310.0}]}\n"
            + "reward: {tracking: {T: {weight: 1.0}}}\n"
            + "controller:\n  - {process_variable: T, input: Q, kp: 1.0, ti: 100.0}\n");
    Run r = run("simulate", scenario.toString(), "-o", dir.resolve("t.csv").toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(
        r.err().contains("warning: model heated-tank: parameter 'T_inlet' is declared but no"),
        r.err());
    assertFalse(r.err().contains("'T_in' is declared"), r.err());
  }

  @Test
  void evaluateNamesTheUnitOfEveryFigure() {
    Run r =
        run(
            "evaluate",
            "--policy",
            "pid",
            "--scenario",
            "cstr-tracking",
            "--episodes",
            "1",
            "-o",
            dir.resolve("eval").toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("IAE ") && r.out().contains(" mol/m3*min,"), r.out());
    assertTrue(r.out().matches("(?s).*median settling time [0-9.]+ min.*"), r.out());
    assertTrue(r.out().matches("(?s).*actuator travel Tc [0-9.]+ K.*"), r.out());
  }

  @Test
  void aBadActionScheduleNamesTheFileLineAndColumn() throws IOException {
    Path schedule = dir.resolve("bad.csv");
    Files.writeString(schedule, "time,u\n0,0.2\n1,abc\n");
    Run r =
        run(
            "simulate",
            "first-order",
            "--actions",
            schedule.toString(),
            "-o",
            dir.resolve("x.csv").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("bad.csv:3: column 'u'"), r.err());
  }

  @Test
  void plantRefusesAnUnknownParameterInSetAndListsTheModelsOnes() {
    Run r = run("plant", "--scenario", "cstr-constrained", "--set", "U=42500");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--set"), r.err());
    assertTrue(r.err().contains("no parameter 'U'"), r.err());
    assertTrue(r.err().contains("UA") && r.err().contains("k0"), "the known ones: " + r.err());
  }

  @Test
  void plantRefusesAPhysicallyImpossibleValueInSetWithTheScenarioLoadersReason() {
    Run r = run("plant", "--scenario", "cstr-constrained", "--set", "UA=-5");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--set: UA must be at least 0"), r.err());
    assertTrue(r.err().contains("got -5.0"), r.err());
  }

  @Test
  void plantRefusesAMalformedSetNamingTheFlagAndTheValue() {
    for (String malformed : List.of("UA=fouled", "UA")) {
      Run r = run("plant", "--scenario", "cstr-constrained", "--set", malformed);
      assertEquals(2, r.exitCode(), malformed + ": " + r.err());
      assertTrue(r.err().contains("--set"), r.err());
      assertTrue(r.err().contains(malformed.substring(malformed.indexOf('=') + 1)), r.err());
    }
  }

  @Test
  void anUnknownScenarioListsTheBuiltInOnes() {
    Run r = run("simulate", "reactor", "-o", dir.resolve("x.csv").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("cstr-tracking"), r.err());
    assertTrue(Files.notExists(dir.resolve("x.csv")), "no output for a failed run");
  }

  @Test
  void aMalformedScenarioFileNamesItsLine() throws IOException {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, "name: broken\nprocess: cstr\nsteps: 10\nduraton: 5\n");
    Run r = run("simulate", file.toString(), "-o", dir.resolve("x.csv").toString());
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("broken.yaml:4"), r.err());
    assertTrue(r.err().contains("duraton"), r.err());
  }

  @Test
  void simulateCanRunLongerThanTheScenariosEpisode() throws IOException {
    Path csv = dir.resolve("long.csv");
    Run r = run("simulate", "fopdt", "--steps", "150", "-o", csv.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(151, Files.readAllLines(csv).size());
  }

  @Test
  void simulateThroughTheShieldAddsVerdictColumnsAndASummary() throws IOException {
    Path csv = dir.resolve("shielded.csv");
    Run r =
        run(
            "simulate",
            "cstr-constrained",
            "--constant",
            "Tc=310",
            "--shield",
            "cstr-constrained",
            "-o",
            csv.toString());
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = Files.readAllLines(csv);
    List<String> header = List.of(lines.get(0).split(","));
    assertEquals("shield_reason", header.get(header.size() - 1));
    int verdict = header.indexOf("shield_verdict");
    int cost = header.indexOf("cost_T_range");
    int interventions = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      assertTrue(List.of("accepted", "repaired", "fallback").contains(cells[verdict]), line);
      assertEquals(0.0, Double.parseDouble(cells[cost]), 0.0, "inside 321-327 K: " + line);
      if (!cells[verdict].equals("accepted")) {
        interventions++;
      }
    }
    // Tc = 310 K on every step is outside the shield's safe set: every step is corrected.
    assertEquals(60, interventions, "interventions in the CSV");
    double[] summary =
        figures(r.out(), "(\\d+) constraint-violating steps, (\\d+) shield interventions");
    assertEquals(0, summary[0], "the summary's violating steps");
    assertEquals(interventions, summary[1], "the summary counts what the CSV shows");
  }

  @Test
  void aBadShieldFileNamesItsLineAndField() throws IOException {
    Path file = dir.resolve("bad.shield.yaml");
    Files.writeString(
        file, "name: bad\nmodel: cstr-constrained\nactions:\n  Tc: {min: 310, max: 290}\n");
    Run r = run("simulate", "cstr-constrained", "--shield", file.toString(), "-o", "x.csv");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("bad.shield.yaml:4: field 'actions.Tc.max'"), r.err());
  }

  /**
   * The shield benchmark's figures, parsed: the counts asked for, percentiles finite, positive and
   * ordered. Speed itself is measured by {@code safeloop bench}, never asserted.
   */
  @Test
  void benchShieldPrintsOrderedFinitePercentilesOverTheDecisionsAskedFor() {
    Run r = run("bench", "shield", "--warmup", "100", "--decisions", "300");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(
        r.out()
            .contains(
                "shield cstr-constrained on cstr-constrained; random proposals; 300 decisions"
                    + " after 100 warm-up"),
        r.out());
    double[] latency =
        figures(r.out(), "latency \\[us\\]: median (\\S+)  p99 (\\S+)  p99\\.9 (\\S+)  max (\\S+)");
    assertOrderedPositive("shield latency median, p99, p99.9, max", latency);
    double[] medians =
        figures(
            r.out(),
            "median \\[us\\]: accepted (\\S+), repaired or fallback (\\S+) \\((\\S+) % of"
                + " decisions\\)");
    for (int i = 0; i < 2; i++) {
      assertTrue(medians[i] > 0 && medians[i] <= latency[3], "median " + i + ": " + r.out());
    }
    // Random proposals jump across the range on one step in four: the shield must intervene.
    assertTrue(medians[2] > 0 && medians[2] <= 100, "intervention share " + medians[2]);
    double[] memory =
        figures(
            r.out(),
            "allocated per decision: (\\S+) bytes; heap after GC: (\\S+) MiB before, (\\S+) MiB"
                + " after");
    assertTrue(memory[0] >= 0, "bytes per decision " + memory[0]);
    assertTrue(memory[1] > 0 && memory[2] > 0, r.out());
  }

  @Test
  void scenariosListsEveryBuiltInScenarioAndModel() {
    Run r = run("scenarios");
    assertEquals(0, r.exitCode(), r.err());
    for (String name : Scenarios.builtInNames()) {
      assertTrue(r.out().contains(name), name);
    }
    assertTrue(r.out().contains("four-tank"));
  }

  /**
   * The environment benchmark's table, parsed: one row per integrator case of the scenario, rates
   * finite, positive and ordered min <= median <= max over the rounds asked for.
   */
  @Test
  void benchEnvPrintsOneRowPerCaseWithOrderedPositiveRates() {
    Run r =
        run(
            "bench",
            "env",
            "--scenario",
            "first-order",
            "--warmup-seconds",
            "0",
            "--rounds",
            "3",
            "--round-seconds",
            "0.1");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("3 rounds of 0.1 s after 0.0 s warm-up"), r.out());
    Pattern row =
        Pattern.compile("^(\\S+) +(.+?) +([0-9][0-9,]*) +([0-9][0-9,]*) +([0-9][0-9,]*)$");
    Map<String, double[]> rates = new LinkedHashMap<>();
    for (String line : r.out().lines().toList()) {
      Matcher m = row.matcher(line);
      if (m.matches()) {
        assertEquals("first-order", m.group(1), line);
        double[] rate = new double[3];
        for (int i = 0; i < 3; i++) {
          rate[i] = Double.parseDouble(m.group(3 + i).replace(",", ""));
        }
        assertNull(rates.put(m.group(2), rate), "case twice: " + line);
      }
    }
    List<String> cases = new ArrayList<>(List.of("rk4x4, realism off"));
    if (!Scenarios.load("first-order").spec().realism().equals(RealismConfig.none())) {
      cases.add("rk4x4, realism on");
    }
    cases.addAll(List.of("dormand-prince 1e-8, off", "dormand-prince 1e-10, off"));
    assertEquals(cases, List.copyOf(rates.keySet()), r.out());
    rates.forEach(
        (label, rate) -> {
          double median = rate[0];
          double min = rate[1];
          double max = rate[2];
          assertTrue(min > 0 && Double.isFinite(max), label + ": " + r.out());
          assertTrue(min <= median && median <= max, label + " min <= median <= max: " + r.out());
        });
  }

  /**
   * The deployment benchmark over Modbus, parsed: every row of the latency table has five finite,
   * non-negative, ordered percentiles, and the health line accounts for exactly the cycles asked
   * for, all in closed loop (exit code 0). The p99 target's verdict is printed, not asserted.
   */
  @Test
  void benchDeployPrintsOrderedPercentilesForEveryPartOfTheCycleAndCountsEveryCycle() {
    Run r = run("bench", "deploy", "--protocol", "modbus", "--cycles", "200", "--warmup", "20");
    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertTrue(r.out().contains("modbus: 200 cycles after 20 warm-up"), r.out());
    List<String> lines = r.out().lines().toList();
    for (String label :
        List.of(
            "cycle (runtime latencyMicros)",
            "runCycle wall time, audit included",
            "  read (every tag, one request)",
            "  shield decision",
            "  write (setpoint, advisory, heartbeat)",
            "  approval expiry check (validUntil)",
            "  rest: validation, policy, audit records",
            "after latencyMicros (outside it)",
            "plant step (outside the cycle)")) {
      List<String> found = lines.stream().filter(l -> l.startsWith("  " + label + " ")).toList();
      assertEquals(1, found.size(), "row '" + label + "' in\n" + r.out());
      String[] cells = found.get(0).substring(label.length() + 2).trim().split(" +");
      double[] q = new double[5];
      for (int i = 0; i < 5; i++) {
        q[i] = Double.parseDouble(cells[i].replace(",", ""));
      }
      assertOrdered(label + " median, p90, p99, p99.9, max", q);
      assertTrue(q[0] >= 0, label + ": " + found.get(0));
      if (label.startsWith("cycle") || label.startsWith("runCycle")) {
        assertTrue(q[4] > 0, "a cycle takes time: " + found.get(0));
      }
    }
    double[] health =
        figures(
            r.out(),
            "closed loop in (\\S+) of (\\S+) measured cycles; shield accepted (\\S+), repaired"
                + " (\\S+), fell back (\\S+)");
    assertEquals(200, health[0], "closed-loop cycles");
    assertEquals(200, health[1], "measured cycles");
    assertEquals(200, health[2] + health[3] + health[4], "one verdict per cycle");
    assertFalse(r.out().contains("WARNING"), r.out());
  }

  /**
   * The numbers captured by the groups of {@code regex} in the one line of {@code out} it finds.
   */
  private static double[] figures(String out, String regex) {
    Matcher m = Pattern.compile(regex).matcher(out);
    assertTrue(m.find(), "no line matching '" + regex + "' in\n" + out);
    double[] values = new double[m.groupCount()];
    for (int i = 0; i < values.length; i++) {
      values[i] = Double.parseDouble(m.group(i + 1).replace(",", ""));
    }
    assertFalse(m.find(), "two lines match '" + regex + "'");
    return values;
  }

  private static void assertOrdered(String what, double[] values) {
    for (int i = 0; i < values.length; i++) {
      assertTrue(Double.isFinite(values[i]), what + ": " + Arrays.toString(values));
      if (i > 0) {
        assertTrue(values[i - 1] <= values[i], what + " out of order: " + Arrays.toString(values));
      }
    }
  }

  private static void assertOrderedPositive(String what, double[] values) {
    assertOrdered(what, values);
    assertTrue(values[0] > 0, what + " not positive: " + Arrays.toString(values));
  }

  @Test
  void anOutputPathThatCannotBeAFolderIsRefusedWithOneClearLine() throws IOException {
    Path file = Files.writeString(dir.resolve("taken"), "x");
    for (Path bad : List.of(file, file.resolve("under"), Path.of("/proc/safeloop-out"))) {
      Run r = run("compare", dir.toString(), "--output", bad.toString());
      assertEquals(2, r.exitCode(), r.err());
      assertTrue(r.err().startsWith("safeloop: --out " + bad + ": "), r.err());
      assertTrue(r.err().lines().count() == 1, r.err());
    }
    Run simulate = run("simulate", "first-order", "-o", dir.toString());
    assertEquals(2, simulate.exitCode(), simulate.err());
    assertTrue(simulate.err().contains("is a folder; give a file name"), simulate.err());
    Run under = run("simulate", "first-order", "-o", file.resolve("x.csv").toString());
    assertEquals(2, under.exitCode(), under.err());
    assertTrue(under.err().contains(file + ": is a file, not a folder"), under.err());
    Run deeper = run("simulate", "first-order", "-o", file.resolve("a/x.csv").toString());
    assertTrue(deeper.err().contains("lies under the file " + file), deeper.err());
  }

  @Test
  void trainRefusesAnOutputThatIsAFileAndZeroJobsBeforeTraining() throws IOException {
    Path file = Files.writeString(dir.resolve("taken"), "x");
    Path config =
        Files.writeString(
            dir.resolve("e.yaml"),
            "scenario: fopdt\nalgorithm: ppo\ntraining: {steps: 256}\noutput: " + file + "\n");
    Run output = run("train", config.toString(), "--no-progress");
    assertEquals(2, output.exitCode(), output.err());
    assertTrue(output.err().contains("is a file, not a folder"), output.err());
    Run jobs = run("train", config.toString(), "--seeds", "2", "--jobs", "0");
    assertEquals(2, jobs.exitCode(), jobs.err());
    assertTrue(jobs.err().contains("--jobs must be at least 1"), jobs.err());
  }

  @Test
  void topLevelHelpShowsEachCommandsFirstLineAsACompleteSentence() {
    Run r = run("--help");
    for (String command :
        List.of(
            "train",
            "evaluate",
            "compare",
            "report",
            "simulate",
            "keygen",
            "approve",
            "deploy",
            "shadow-report",
            "plant")) {
      String line =
          r.out()
              .lines()
              .filter(l -> l.strip().startsWith(command + " "))
              .findFirst()
              .orElseThrow();
      // The summary may wrap; the entry ends with a full stop, never mid-sentence.
      List<String> entry = new java.util.ArrayList<>();
      List<String> all = r.out().lines().toList();
      int i = all.indexOf(line);
      entry.add(line);
      while (i + 1 < all.size() && all.get(i + 1).startsWith("                 ")) {
        entry.add(all.get(++i));
      }
      String text = String.join(" ", entry).strip();
      assertTrue(text.endsWith("."), "cut mid-sentence: " + text);
    }
  }
}
