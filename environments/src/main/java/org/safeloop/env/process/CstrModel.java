package org.safeloop.env.process;

import java.util.List;
import org.safeloop.env.SignalSpec;

/**
 * The exothermic continuous stirred-tank reactor of pc-gym (Seborg et al., Hedengren's CSTR): a
 * first-order irreversible reaction A -> B with an Arrhenius rate, cooled by a jacket.
 *
 * <pre>
 *   rA     = k0 exp(-E_R / T) Ca
 *   dCa/dt = q/V (Caf - Ca) - rA
 *   dT/dt  = q/V (Ti - T) + (-dH) rA / (rho C) + UA (Tc - T) / (rho C V)
 * </pre>
 *
 * States: concentration {@code Ca} in mol/m3 and reactor temperature {@code T} in K. Input: jacket
 * temperature {@code Tc} in K. Time in minutes. Above about Tc = 305 K the reactor jumps to a
 * high-conversion, high-temperature branch: a real runaway hazard. Stateless and thread-safe.
 */
public final class CstrModel extends DeclaredProcessModel {
  static final int Q = 0;
  static final int V = 1;
  static final int RHO = 2;
  static final int C = 3;
  static final int DH = 4;
  static final int E_R = 5;
  static final int K0 = 6;
  static final int UA = 7;
  static final int TI = 8;
  static final int CAF = 9;

  private static final List<ParameterSpec> PARAMETERS =
      List.of(
          ParameterSpec.nonNegative("q", "m3/min", 100.0, "feed flow rate"),
          ParameterSpec.positive("V", "m3", 100.0, "reactor volume"),
          ParameterSpec.positive("rho", "kg/m3", 1000.0, "density of the mixture"),
          ParameterSpec.positive("C", "J/(kg K)", 0.239, "heat capacity of the mixture"),
          new ParameterSpec("dH", "J/mol", -5.0e4, "heat of reaction (negative: exothermic)"),
          ParameterSpec.nonNegative("E_R", "K", 8750.0, "activation energy over the gas constant"),
          ParameterSpec.nonNegative("k0", "1/min", 7.2e10, "pre-exponential factor"),
          ParameterSpec.nonNegative(
              "UA", "J/(min K)", 5.0e4, "jacket heat transfer coefficient x area"),
          ParameterSpec.positive("Ti", "K", 350.0, "feed temperature"),
          ParameterSpec.nonNegative("Caf", "mol/m3", 1.0, "feed concentration of A"));

  private static final List<SignalSpec> STATES =
      List.of(new SignalSpec("Ca", "mol/m3", 0.7, 1.0), new SignalSpec("T", "K", 300.0, 350.0));

  private static final List<SignalSpec> INPUTS = List.of(new SignalSpec("Tc", "K", 295.0, 302.0));

  /** Creates the model with its nominal declarations. */
  public CstrModel() {
    super("cstr", ModelTimeUnit.MINUTE, STATES, INPUTS, PARAMETERS, new double[] {0.8, 330.0});
  }

  @Override
  public void derivatives(double[] state, double[] input, double[] p, double[] derivative) {
    double ca = state[0];
    double temperature = state[1];
    double jacketTemperature = input[0];
    double dilution = p[Q] / p[V];
    double reactionRate = p[K0] * Math.exp(-p[E_R] / temperature) * ca;
    double rhoC = p[RHO] * p[C];
    derivative[0] = dilution * (p[CAF] - ca) - reactionRate;
    derivative[1] =
        dilution * (p[TI] - temperature)
            + (-p[DH]) * reactionRate / rhoC
            + p[UA] * (jacketTemperature - temperature) / (rhoC * p[V]);
  }

  @Override
  public void projectState(double[] state, double[] parameters) {
    // A concentration cannot be negative; integration error near zero must not make it so.
    if (state[0] < 0.0) {
      state[0] = 0.0;
    }
  }

  /** Registers the CSTR under the name {@code cstr}. */
  public static final class Provider implements ProcessModelProvider {
    @Override
    public String name() {
      return "cstr";
    }

    @Override
    public String description() {
      return "pc-gym exothermic CSTR: Ca [mol/m3], T [K]; jacket temperature Tc [K]; minutes";
    }

    @Override
    public ProcessModel create() {
      return new CstrModel();
    }
  }
}
