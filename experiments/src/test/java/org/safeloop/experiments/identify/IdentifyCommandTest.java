package org.safeloop.experiments.identify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.cli.SafeLoopCommand;
import picocli.CommandLine;

/**
 * {@code safeloop identify} end to end on a historian export of a mismatched CSTR: the estimates,
 * their intervals, the calibrated scenario, the validation, and clear errors for bad data.
 */
class IdentifyCommandTest {
  static final Scenario MODEL = Scenarios.load("cstr-constrained");
  static final double UA = 5.0e4 * 0.85;
  static final double K0 = 7.2e10 * 1.10;

  @TempDir static Path dir;
  static Path csv;

  @BeforeAll
  static void recordThePlant() throws IOException {
    // The truth: 15 % less cooling, a 10 % faster reaction, and the feed 3 K warmer than the model
    // says (the scenario's feed-temperature step, before the record starts). 300 cycles of an
    // operator moving the jacket between 290 and 293 K every 10 cycles, with sensor noise.
    Scenario truth = MODEL.withParameters(Map.of("UA", UA, "k0", K0));
    csv = dir.resolve("historian.csv");
    writeCsv(PlantRuns.record(truth, 30, 300, 11, 290.0, 293.0, 10), csv, 37);
  }

  /** Writes a historian export, with every {@code badEvery}-th T reading marked BAD. */
  static void writeCsv(PlantData plant, Path file, int badEvery) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("time_s,Ca_mol_m3,T_K,T_quality,Tc_K");
    double[] ca = plant.signals().get("Ca").values();
    double[] t = plant.signals().get("T").values();
    double[] tc = plant.signals().get("Tc").values();
    for (int k = 0; k < plant.rows(); k++) {
      boolean bad = badEvery > 0 && k % badEvery == badEvery - 1;
      lines.add(
          String.format(
              Locale.ROOT,
              "%.3f,%.6f,%s,%s,%.4f",
              plant.seconds()[k],
              ca[k],
              bad ? "" : String.format(Locale.ROOT, "%.4f", t[k]),
              bad ? "BAD" : "GOOD",
              tc[k]));
    }
    Files.write(file, lines);
  }

  /** Runs {@code identify} on {@code data} with the {@code free} parameters; returns its output. */
  static String identify(Path data, String free, String output) {
    StringWriter o = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        run(
            o,
            err,
            "identify",
            "--data",
            data.toString(),
            "--scenario",
            "cstr-constrained",
            "--free",
            free,
            "--no-progress",
            "-o",
            dir.resolve(output).toString());
    assertEquals(0, code, err.toString());
    return o.toString();
  }

  static int run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void recoversUaAndK0WithIntervalsThatCoverTheTruthAndWritesACalibratedScenario()
      throws IOException {
    Path out = dir.resolve("identified");
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int code =
        run(
            o,
            e,
            "identify",
            "--data",
            csv.toString(),
            "--scenario",
            "cstr-constrained",
            "--free",
            "UA,k0,Ti",
            "--validate",
            "0.3",
            "--shield",
            "cstr-constrained",
            "--no-progress",
            "-o",
            out.toString());
    assertEquals(0, code, e.toString() + o);
    JsonNode json = new ObjectMapper().readTree(out.resolve("identify.json").toFile());
    JsonNode ua = json.get("parameters").get(0);
    JsonNode k0 = json.get("parameters").get(1);
    assertEquals("UA", ua.get("name").asText());
    assertEquals(UA, ua.get("estimate").asDouble(), 0.02 * UA, o.toString());
    assertEquals(K0, k0.get("estimate").asDouble(), 0.02 * K0, o.toString());
    for (JsonNode p : List.of(ua, k0)) {
      double truth = p == ua ? UA : K0;
      assertTrue(
          p.get("ci95").get(0).asDouble() <= truth && truth <= p.get("ci95").get(1).asDouble(),
          p.get("name") + " interval " + p.get("ci95") + " misses " + truth);
    }
    assertTrue(json.get("warnings").isEmpty(), json.get("warnings").toString());
    assertTrue(json.get("data").get("bad_samples").asInt() > 0, "the BAD readings are counted");
    // Held out: the calibrated model's free run is at least 5 times closer than the nominal's.
    JsonNode v = json.get("validation");
    for (String state : List.of("Ca", "T")) {
      double nominal = v.get("nominal").get(state).get("free_run_nrmse").asDouble();
      double calibrated = v.get("calibrated").get(state).get("free_run_nrmse").asDouble();
      assertTrue(5 * calibrated <= nominal, state + ": " + calibrated + " vs " + nominal);
    }
    // The calibrated scenario loads, with the estimates as its parameters.
    Path file = out.resolve("cstr-constrained-calibrated.yaml");
    Scenario calibrated = Scenarios.load(file.toString());
    assertEquals("cstr-constrained-calibrated", calibrated.name());
    assertEquals(ua.get("estimate").asDouble(), calibrated.nominalParameters()[7], 0.0);
    assertTrue(Files.readString(file).contains(csv.toString()), "provenance names the data");
    assertTrue(Files.exists(out.resolve("identify.html")));
    // The suggested shield: a new file that loads, predicting with the calibrated parameters,
    // each back-off covering the stated quantile of the held-out prediction errors.
    Path suggested = out.resolve("cstr-constrained.suggested.shield.yaml");
    org.safeloop.shield.Shields.load(suggested.toString());
    String text = Files.readString(suggested);
    assertTrue(text.contains("parameters: {UA: "), text);
    for (JsonNode c : json.get("shield").get("constraints")) {
      double q = c.get("quantile_error").asDouble();
      double b = c.get("suggested_back_off").asDouble();
      assertTrue(b >= q && b < q + 0.05 + 1e-9, c.toString());
      assertTrue(c.get("predictions").asInt() > 50, c.toString());
      assertTrue(
          text.contains("name: " + c.get("constraint").asText())
              && text.contains("back_off: " + java.math.BigDecimal.valueOf(b).toPlainString()),
          text);
    }
    assertTrue(Files.exists(out.resolve("identify-T.png")));
  }

  @Test
  void parametersTheDataCannotTellApartGetTheWarning() {
    // Density and heat capacity enter the model only as their product.
    String o = identify(csv, "rho,C", "rho-c");
    assertTrue(o.contains("WARNING"), o);
    assertTrue(o.contains("cannot tell [rho, C] apart"), o);
  }

  @Test
  void withoutExcitationUaAndTheFeedTemperatureAreNotIdentifiable() throws IOException {
    Scenario truth = MODEL.withParameters(Map.of("UA", UA, "k0", K0));
    Path flat = dir.resolve("flat.csv");
    writeCsv(PlantRuns.record(truth, 60, 200, 5, 291.0, 291.0, 0), flat, 0);
    String o = identify(flat, "UA,Ti", "flat");
    assertTrue(o.contains("WARNING"), o);
  }

  @Test
  void aDisturbanceInsideTheDataIsFlaggedRatherThanFittedConfidently() throws IOException {
    // The feed-temperature step happens 18 cycles into the record: no constant Ti explains both
    // sides of it, and the residuals say so.
    Scenario truth = MODEL.withParameters(Map.of("UA", UA, "k0", K0));
    Path stepped = dir.resolve("stepped.csv");
    writeCsv(PlantRuns.record(truth, 0, 300, 11, 290.0, 293.0, 10), stepped, 0);
    String o = identify(stepped, "UA,k0,Ti", "stepped");
    assertTrue(o.contains("times the sensor noise"), o);
  }

  @Test
  void badDataGetsAnErrorNamingTheFileAndRowOrTag() throws IOException {
    record Case(String name, String text, String expected) {}
    List<Case> cases =
        List.of(
            new Case("empty.csv", "time_s,Ca,T,Tc\n", "no data rows"),
            new Case(
                "missing-tag.csv",
                "time_s,Ca,Tc\n0,0.8,300\n26,0.8,300\n",
                "no column for tag 'T'"),
            new Case(
                "backwards.csv",
                "time_s,Ca,T,Tc\n0,0.8,325,300\n26,0.8,325,300\n13,0.8,325,300\n",
                "backwards.csv:4: time goes backwards"),
            new Case(
                "units.csv",
                "time_s,Ca,T_degC,Tc\n0,0.8,51.85,300\n26,0.8,51.85,300\n",
                "column 'T_degC' looks like T in another unit"),
            new Case(
                "not-a-number.csv",
                "time_s,Ca,T,Tc\n0,0.8,325,300\n26,0.8,hot,300\n",
                "not-a-number.csv:3: column T: 'hot' is not a number"),
            new Case(
                "all-bad.csv",
                "time_s,Ca,T,T_quality,Tc\n0,0.8,325,BAD,300\n26,0.8,325,BAD,300\n",
                "no usable rows"),
            new Case(
                "too-short.csv",
                "time_s,Ca,T,Tc\n0,0.8,325,300\n26,0.8,325.1,300\n",
                "fewer measurements"));
    for (Case c : cases) {
      Path file = dir.resolve(c.name());
      Files.writeString(file, c.text());
      StringWriter e = new StringWriter();
      int code =
          run(
              new StringWriter(),
              e,
              "identify",
              "--data",
              file.toString(),
              "--scenario",
              "cstr-constrained",
              "--free",
              "UA,k0",
              "--validate",
              "0",
              "--no-progress",
              "-o",
              dir.resolve("bad-" + c.name()).toString());
      assertEquals(2, code, c.name() + ": " + e);
      assertTrue(e.toString().contains(c.expected()), c.name() + ": " + e);
    }
  }
}
