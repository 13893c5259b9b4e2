package org.safeloop.shield;

/**
 * What a shielded training environment charges the agent when the shield intervenes, so that it
 * learns to propose actions that need no correction.
 *
 * @param reward subtracted from the reward at each intervention
 * @param rewardPerCorrection subtracted from the reward per unit of correction (the distance
 *     between proposed and applied action, normalised by the action ranges)
 * @param cost when positive, an extra cost entry {@code shield_intervention} carries this amount at
 *     each intervention (for Lagrangian methods)
 */
public record ShieldPenalty(double reward, double rewardPerCorrection, double cost) {

  /** Checks that every amount is finite and non-negative. */
  public ShieldPenalty {
    if (!(reward >= 0 && rewardPerCorrection >= 0 && cost >= 0)
        || !Double.isFinite(reward + rewardPerCorrection + cost)) {
      throw new IllegalArgumentException("shield penalties must be finite and >= 0");
    }
  }

  /** No penalty. */
  public static ShieldPenalty none() {
    return new ShieldPenalty(0, 0, 0);
  }
}
