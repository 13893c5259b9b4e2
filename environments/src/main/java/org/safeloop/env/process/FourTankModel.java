package org.safeloop.env.process;

import java.util.List;
import org.safeloop.env.SignalSpec;

/**
 * The quadruple-tank level process (Johansson 2000), in pc-gym's SI variant: two pumps feed four
 * tanks through two three-way valves, so each pump fills one lower and one (crossed) upper tank.
 *
 * <pre>
 *   dh1/dt = -a1/A1 sqrt(2 g h1) + a3/A1 sqrt(2 g h3) + g1 k1 v1 / A1
 *   dh2/dt = -a2/A2 sqrt(2 g h2) + a4/A2 sqrt(2 g h4) + g2 k2 v2 / A2
 *   dh3/dt = -a3/A3 sqrt(2 g h3) + (1 - g2) k2 v2 / A3
 *   dh4/dt = -a4/A4 sqrt(2 g h4) + (1 - g1) k1 v1 / A4
 * </pre>
 *
 * States: levels {@code h1..h4} in m, limited to [0, hmax] (a tank cannot hold a negative level and
 * overflows at hmax). Inputs: pump voltages {@code v1, v2} in V. Time in seconds. Stateless and
 * thread-safe.
 */
public final class FourTankModel extends DeclaredProcessModel {
  private static final int G = 0;
  private static final int GAMMA1 = 1;
  private static final int GAMMA2 = 2;
  private static final int K1 = 3;
  private static final int K2 = 4;
  private static final int A_OUT = 5; // a1..a4 at 5..8
  private static final int A_TANK = 9; // A1..A4 at 9..12
  static final int HMAX = 13;

  private static final List<ParameterSpec> PARAMETERS =
      List.of(
          ParameterSpec.positive("g", "m/s2", 9.81, "gravitational acceleration"),
          new ParameterSpec("g1", "", 0.2, "valve split of pump 1 to tank 1", 0.0, 1.0),
          new ParameterSpec("g2", "", 0.2, "valve split of pump 2 to tank 2", 0.0, 1.0),
          ParameterSpec.nonNegative("k1", "m3/(V s)", 0.00085, "pump 1 gain"),
          ParameterSpec.nonNegative("k2", "m3/(V s)", 0.00095, "pump 2 gain"),
          ParameterSpec.nonNegative("a1", "m2", 0.0035, "outlet area of tank 1"),
          ParameterSpec.nonNegative("a2", "m2", 0.0030, "outlet area of tank 2"),
          ParameterSpec.nonNegative("a3", "m2", 0.0020, "outlet area of tank 3"),
          ParameterSpec.nonNegative("a4", "m2", 0.0025, "outlet area of tank 4"),
          ParameterSpec.positive("A1", "m2", 1.0, "cross-section of tank 1"),
          ParameterSpec.positive("A2", "m2", 1.0, "cross-section of tank 2"),
          ParameterSpec.positive("A3", "m2", 1.0, "cross-section of tank 3"),
          ParameterSpec.positive("A4", "m2", 1.0, "cross-section of tank 4"),
          ParameterSpec.positive("hmax", "m", 1.0, "tank height (overflow level)"));

  private static final List<SignalSpec> STATES =
      List.of(
          new SignalSpec("h1", "m", 0.0, 1.0),
          new SignalSpec("h2", "m", 0.0, 1.0),
          new SignalSpec("h3", "m", 0.0, 1.0),
          new SignalSpec("h4", "m", 0.0, 1.0));

  private static final List<SignalSpec> INPUTS =
      List.of(new SignalSpec("v1", "V", 0.1, 10.0), new SignalSpec("v2", "V", 0.1, 10.0));

  /** Creates the model with its nominal declarations. */
  public FourTankModel() {
    super(
        "four-tank",
        ModelTimeUnit.SECOND,
        STATES,
        INPUTS,
        PARAMETERS,
        new double[] {0.141, 0.112, 0.072, 0.42});
  }

  @Override
  public void derivatives(double[] h, double[] v, double[] p, double[] derivative) {
    double twoG = 2.0 * p[G];
    double out1 = p[A_OUT] * outflowVelocity(twoG, h[0]);
    double out2 = p[A_OUT + 1] * outflowVelocity(twoG, h[1]);
    double out3 = p[A_OUT + 2] * outflowVelocity(twoG, h[2]);
    double out4 = p[A_OUT + 3] * outflowVelocity(twoG, h[3]);
    double pump1 = p[K1] * v[0];
    double pump2 = p[K2] * v[1];
    derivative[0] = (-out1 + out3 + p[GAMMA1] * pump1) / p[A_TANK];
    derivative[1] = (-out2 + out4 + p[GAMMA2] * pump2) / p[A_TANK + 1];
    derivative[2] = (-out3 + (1.0 - p[GAMMA2]) * pump2) / p[A_TANK + 2];
    derivative[3] = (-out4 + (1.0 - p[GAMMA1]) * pump1) / p[A_TANK + 3];
  }

  /**
   * Torricelli outflow velocity, guarded at an empty tank (no flow, no NaN from a negative root).
   */
  private static double outflowVelocity(double twoG, double level) {
    return level > 0.0 ? Math.sqrt(twoG * level) : 0.0;
  }

  @Override
  public void projectState(double[] state, double[] parameters) {
    double hmax = parameters[HMAX];
    for (int i = 0; i < state.length; i++) {
      state[i] = Math.max(0.0, Math.min(hmax, state[i]));
    }
  }

  /** Registers the four-tank process under the name {@code four-tank}. */
  public static final class Provider implements ProcessModelProvider {
    @Override
    public String name() {
      return "four-tank";
    }

    @Override
    public String description() {
      return "quadruple-tank levels h1..h4 [m]; pump voltages v1, v2 [V]; seconds";
    }

    @Override
    public ProcessModel create() {
      return new FourTankModel();
    }
  }
}
