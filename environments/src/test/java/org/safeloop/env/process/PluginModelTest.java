package org.safeloop.env.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenarios;

/** A user's own Java model, found through ServiceLoader (registered in test resources). */
class PluginModelTest {
  @TempDir Path dir;

  /** A leaky tank dh/dt = (u - h) / tau_s: the simplest model a user might add. */
  public static final class LeakyTank implements ProcessModel {
    @Override
    public String name() {
      return "leaky-tank";
    }

    @Override
    public ModelTimeUnit timeUnit() {
      return ModelTimeUnit.SECOND;
    }

    @Override
    public List<SignalSpec> states() {
      return List.of(new SignalSpec("h", "m", 0, 2));
    }

    @Override
    public List<SignalSpec> inputs() {
      return List.of(new SignalSpec("u", "m", 0, 2));
    }

    @Override
    public List<ParameterSpec> parameters() {
      return List.of(new ParameterSpec("tau_s", "s", 20.0, "time constant"));
    }

    @Override
    public double[] initialState() {
      return new double[] {0.0};
    }

    @Override
    public void derivatives(double[] state, double[] input, double[] p, double[] derivative) {
      derivative[0] = (input[0] - state[0]) / p[0];
    }
  }

  /** Registers {@link LeakyTank}. */
  public static final class LeakyTankProvider implements ProcessModelProvider {
    @Override
    public String name() {
      return "leaky-tank";
    }

    @Override
    public String description() {
      return "test plug-in";
    }

    @Override
    public ProcessModel create() {
      return new LeakyTank();
    }
  }

  @Test
  void aRegisteredJavaModelIsFoundByNameAndRunsInAScenario() throws IOException {
    assertTrue(ProcessModels.names().contains("leaky-tank"));
    Path file = dir.resolve("leaky.yaml");
    Files.writeString(
        file,
        """
        name: leaky
        process: leaky-tank
        steps: 10
        time_step: 5.0
        setpoints:
          h: [{value: 1.0}]
        """);
    ProcessEnvironment env = Scenarios.load(file).createEnvironment();
    env.reset(0);
    StepResult r = null;
    for (int k = 0; k < 10; k++) {
      r = env.step(new double[] {1.0});
    }
    assertEquals(1.0 - Math.exp(-50.0 / 20.0), r.info().state()[0], 1e-6);
  }
}
