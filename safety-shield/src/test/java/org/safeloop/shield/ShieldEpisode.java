package org.safeloop.shield;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A generated constraint file and a sequence of control steps to feed a shield built from it. The
 * steps may refer to what the shield did before (the last applied action, the last measurements),
 * so they are resolved while the episode runs; {@link #run} returns the concrete inputs with each
 * decision, and {@link #replay} feeds those same inputs to another shield.
 *
 * @param file the constraint file
 * @param steps the control steps, in order
 */
record ShieldEpisode(GeneratedShieldFile file, List<Step> steps) {

  /** Control interval of the model scenario, in seconds (for the per-minute rate limits). */
  static final double CONTROL_INTERVAL_S =
      Shields.load("cstr-constrained").controlIntervalSeconds();

  /**
   * One generated control step.
   *
   * @param plant what the plant reports
   * @param previous the action applied at the step before, as the caller reports it
   * @param proposal what the policy proposes
   */
  record Step(PlantChoice plant, PreviousChoice previous, ProposalChoice proposal) {}

  /**
   * A plant snapshot, or none, optionally carrying the previous step's values unchanged (a frozen
   * transmitter).
   *
   * @param snapshot the snapshot, or null for no snapshot at all
   * @param repeatLastValues true to report the last step's values with this snapshot's time,
   *     qualities and timestamps
   */
  record PlantChoice(PlantSnapshot snapshot, boolean repeatLastValues) {

    PlantSnapshot resolve(PlantSnapshot last) {
      if (!repeatLastValues || snapshot == null || last == null || last.size() != snapshot.size()) {
        return snapshot;
      }
      return new PlantSnapshot(
          snapshot.time(), last.values(), snapshot.qualities(), snapshot.timestamps());
    }

    @Override
    public String toString() {
      if (snapshot == null) {
        return "no snapshot";
      }
      return (repeatLastValues ? "last values repeated, " : "")
          + "t="
          + snapshot.time()
          + " values="
          + Arrays.toString(snapshot.values())
          + " qualities="
          + Arrays.toString(snapshot.qualities())
          + " timestamps="
          + Arrays.toString(snapshot.timestamps());
    }
  }

  /**
   * The previous applied action the caller reports: the action the shield applied last, or a given
   * array (which may be null, of the wrong length, or hold anything).
   *
   * @param lastApplied true for the shield's last applied action (none at the first step)
   * @param value the reported action otherwise
   */
  record PreviousChoice(boolean lastApplied, double[] value) {

    double[] resolve(double[] last) {
      double[] chosen = lastApplied ? last : value;
      return chosen == null ? null : chosen.clone();
    }

    @Override
    public String toString() {
      return lastApplied ? "last applied" : Arrays.toString(value);
    }
  }

  /** Where a proposal lies relative to the previous applied action and the file's limits. */
  enum Relative {
    /** The proposal is the given array. */
    NONE,
    SAME,
    AT_RATE_UP,
    JUST_ABOVE_RATE_UP,
    JUST_BELOW_RATE_UP,
    AT_RATE_DOWN,
    JUST_BELOW_RATE_DOWN,
    JUST_ABOVE_RATE_DOWN,
    AT_DEADBAND_UP,
    INSIDE_DEADBAND_UP,
    AT_DEADBAND_DOWN,
    INSIDE_DEADBAND_DOWN,
    JUMP_UP,
    JUMP_DOWN
  }

  /**
   * The policy's proposal: a given array (which may be null, of the wrong length, or hold
   * anything), or a move relative to the previous applied action (mid-range when that is unusable).
   *
   * @param relative how the proposal is placed
   * @param value the proposal when {@code relative} is {@link Relative#NONE}
   */
  record ProposalChoice(Relative relative, double[] value) {

    double[] resolve(double[] previous, GeneratedShieldFile file) {
      if (relative == Relative.NONE) {
        return value == null ? null : value.clone();
      }
      double base =
          previous != null && previous.length == 1 && Double.isFinite(previous[0])
              ? previous[0]
              : 0.5 * (file.tcMin() + file.tcMax());
      double up = file.rateUp(CONTROL_INTERVAL_S);
      double down = file.rateDown(CONTROL_INTERVAL_S);
      up = Double.isInfinite(up) ? 1e12 : up;
      down = Double.isInfinite(down) ? 1e12 : down;
      double deadband = file.deadband() == null ? 0.0 : file.deadband();
      double proposed =
          switch (relative) {
            case SAME -> base;
            case AT_RATE_UP -> base + up;
            case JUST_ABOVE_RATE_UP -> Math.nextUp(base + up);
            case JUST_BELOW_RATE_UP -> Math.nextDown(base + up);
            case AT_RATE_DOWN -> base - down;
            case JUST_BELOW_RATE_DOWN -> Math.nextDown(base - down);
            case JUST_ABOVE_RATE_DOWN -> Math.nextUp(base - down);
            case AT_DEADBAND_UP -> base + deadband;
            case INSIDE_DEADBAND_UP -> base + Math.nextDown(deadband);
            case AT_DEADBAND_DOWN -> base - deadband;
            case INSIDE_DEADBAND_DOWN -> base - Math.nextDown(deadband);
            case JUMP_UP -> base + 1e12;
            case JUMP_DOWN -> base - 1e12;
            case NONE -> throw new AssertionError();
          };
      return new double[] {proposed};
    }

    @Override
    public String toString() {
      return relative == Relative.NONE ? Arrays.toString(value) : relative.toString();
    }
  }

  /**
   * One decision with the concrete inputs that led to it.
   *
   * @param plant the snapshot given (may be null)
   * @param proposed the proposal given (may be null)
   * @param previous the previous applied action given (may be null)
   * @param decision the shield's decision
   */
  record Decided(
      PlantSnapshot plant, double[] proposed, double[] previous, ShieldDecision decision) {

    @Override
    public String toString() {
      return "plant="
          + (plant == null ? "null" : Arrays.toString(plant.values()))
          + " proposed="
          + Arrays.toString(proposed)
          + " previous="
          + Arrays.toString(previous)
          + " -> applied="
          + Arrays.toString(decision.appliedAction())
          + " "
          + decision.verdict()
          + " ["
          + decision.reason()
          + "] margin="
          + decision.worstPredictedMargin();
    }
  }

  /** Runs the episode on {@code shield}, resolving each step against what happened before. */
  List<Decided> run(SafetyShield shield) {
    List<Decided> out = new ArrayList<>(steps.size());
    double[] lastApplied = null;
    PlantSnapshot lastPlant = null;
    for (Step step : steps) {
      PlantSnapshot plant = step.plant().resolve(lastPlant);
      double[] previous = step.previous().resolve(lastApplied);
      double[] proposed = step.proposal().resolve(previous, file);
      out.add(decide(shield, plant, proposed, previous));
      lastApplied = out.get(out.size() - 1).decision().appliedAction();
      if (plant != null) {
        lastPlant = plant;
      }
    }
    return out;
  }

  /** Feeds {@code shield} exactly the inputs of an earlier run. */
  static List<Decided> replay(SafetyShield shield, List<Decided> earlier) {
    List<Decided> out = new ArrayList<>(earlier.size());
    for (Decided d : earlier) {
      out.add(decide(shield, d.plant(), d.proposed(), d.previous()));
    }
    return out;
  }

  /** Decides on copies, so that nothing the shield does to its arguments leaks into the record. */
  static Decided decide(
      SafetyShield shield, PlantSnapshot plant, double[] proposed, double[] previous) {
    ShieldDecision decision =
        shield.decide(
            plant,
            proposed == null ? null : proposed.clone(),
            previous == null ? null : previous.clone());
    return new Decided(plant, proposed, previous, decision);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(file.toString());
    for (int k = 0; k < steps.size(); k++) {
      Step s = steps.get(k);
      sb.append(
          String.format(
              "step %d: plant %s; previous %s; proposal %s%n",
              k, s.plant(), s.previous(), s.proposal()));
    }
    return sb.toString();
  }
}
