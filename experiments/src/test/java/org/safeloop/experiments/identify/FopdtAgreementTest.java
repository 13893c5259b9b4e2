package org.safeloop.experiments.identify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.agent.baseline.FopdtFit;
import org.safeloop.agent.baseline.FopdtIdentifier;
import org.safeloop.agent.baseline.StepResponse;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** A FOPDT fitted by identify from a logged step test agrees with the step-test identifier. */
class FopdtAgreementTest {
  @TempDir Path dir;

  @Test
  void identifyAndTheStepTestIdentifierAgreeOnTheSameLoggedStep() throws IOException {
    Scenario model = Scenarios.load("fopdt");
    Scenario truth = model.withParameters(Map.of("K", 1.3, "tau", 0.7)).withEpisodeSteps(80);
    ProcessEnvironment env = truth.createEnvironment(false, null);
    Observation o = env.reset(0);
    int before = 10;
    double u0 = 0.0;
    double du = 0.5;
    List<String> lines = new ArrayList<>();
    lines.add("time_min,x,u");
    double[] x = new double[80];
    for (int k = 0; k < 80; k++) {
      x[k] = o.value(0);
      double u = k < before ? u0 : u0 + du;
      lines.add(String.format(Locale.ROOT, "%.4f,%.9f,%.4f", k * 0.1, x[k], u));
      o = env.step(new double[] {u}).observation();
    }
    Path log = dir.resolve("step-test.csv");
    Files.write(log, lines);

    Identification.Outcome identified =
        Identification.run(
            new Identification.Options(
                log, "fopdt", List.of("K", "tau"), false, 0.0, 20, 3.0, 100, null),
            dir.resolve("identified"),
            e -> {});
    double[] response = new double[80 - before];
    System.arraycopy(x, before, response, 0, response.length);
    FopdtFit stepFit = FopdtIdentifier.fit(new StepResponse(0.1, u0, du, x[before], response));

    double k = identified.estimates().get(0).estimate();
    double tau = identified.estimates().get(1).estimate();
    assertEquals(stepFit.model().gain(), k, 0.01 * k, identified.estimates().toString());
    assertEquals(stepFit.model().timeConstant(), tau, 0.01 * tau, stepFit.toString());
    assertEquals(1.3, k, 0.01);
    assertEquals(0.7, tau, 0.007);
  }
}
