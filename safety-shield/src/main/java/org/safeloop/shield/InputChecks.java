package org.safeloop.shield;

import java.util.Arrays;
import java.util.List;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.shield.constraint.ShieldSpec.MeasurementCheck;

/**
 * Layer 1 of {@link LayeredShield}, input validity: every signal the shield reads must be GOOD
 * (UNCERTAIN only where its check accepts it) and finite, and a checked one fresh, inside its
 * instrument range and not frozen; a proposal must be finite and of the right length. Holds the
 * frozen-value history of an episode. Not thread-safe.
 */
final class InputChecks {
  private final LayeredShield.Config c;
  private final int actions;
  private final double[] frozenLast;
  private final int[] frozenCount;

  InputChecks(LayeredShield.Config config) {
    this.c = config;
    this.actions = config.actionSpace().size();
    this.frozenLast = new double[config.observationSpace().size()];
    this.frozenCount = new int[config.observationSpace().size()];
    reset();
  }

  /** Forgets the frozen-value history. */
  void reset() {
    Arrays.fill(frozenLast, Double.NaN);
    Arrays.fill(frozenCount, 0);
  }

  /** Judges the measurements, adding a reason per bad signal; true when all are usable. */
  boolean measurements(PlantSnapshot plant, List<Intervention> reasons) {
    SignalSpace space = c.observationSpace();
    if (plant == null || plant.size() != space.size()) {
      reasons.add(
          Intervention.onMeasurement(
              "plant",
              "expected "
                  + space.size()
                  + " signals "
                  + space.names()
                  + ", got "
                  + (plant == null ? "none" : plant.size()),
              Double.NaN));
      return false;
    }
    boolean valid = true;
    for (int j = 0; j < space.size(); j++) {
      MeasurementCheck check = c.checks()[j];
      double v = plant.value(j);
      boolean frozen = updateFrozen(j, v, check);
      // Every signal is judged on quality and value, checked or not: the shield is the one judge
      // of its inputs (a deployment hands it every reading the policy acts on).
      String name = space.get(j).name();
      String problem = null;
      double margin = Double.NaN;
      Quality q = plant.quality(j);
      boolean acceptUncertain = check != null && check.acceptsUncertain();
      if (q == null || q == Quality.BAD) {
        problem = "bad quality";
      } else if (q == Quality.UNCERTAIN && !acceptUncertain) {
        problem = "uncertain quality (configured to reject)";
      } else if (!Double.isFinite(v)) {
        problem = "value is " + v;
      } else if (check != null) {
        double age = plant.age(j);
        if (check.maxAgeS() != null && !(Math.abs(age) <= check.maxAgeS())) {
          problem =
              age < 0
                  ? "timestamp " + LayeredShield.round(-age) + " s in the future"
                  : "stale: "
                      + LayeredShield.round(age)
                      + " s old, limit "
                      + LayeredShield.round(check.maxAgeS())
                      + " s";
          margin = check.maxAgeS() - Math.abs(age);
        } else if (check.rangeMin() != null && v < check.rangeMin()) {
          problem =
              LayeredShield.round(v)
                  + " below instrument range "
                  + LayeredShield.round(check.rangeMin());
          margin = v - check.rangeMin();
        } else if (check.rangeMax() != null && v > check.rangeMax()) {
          problem =
              LayeredShield.round(v)
                  + " above instrument range "
                  + LayeredShield.round(check.rangeMax());
          margin = check.rangeMax() - v;
        } else if (frozen) {
          problem =
              "frozen: unchanged within "
                  + LayeredShield.round(check.frozenTolerance())
                  + " for "
                  + check.frozenSamples()
                  + " samples";
        }
      }
      if (problem != null) {
        valid = false;
        reasons.add(Intervention.onMeasurement(name, name + " " + problem, margin));
      }
    }
    return valid;
  }

  private boolean updateFrozen(int j, double v, MeasurementCheck check) {
    if (check == null || check.frozenSamples() == null || !Double.isFinite(v)) {
      return false;
    }
    if (Double.isFinite(frozenLast[j]) && Math.abs(v - frozenLast[j]) <= check.frozenTolerance()) {
      frozenCount[j]++;
    } else {
      frozenCount[j] = 0;
    }
    frozenLast[j] = v;
    return frozenCount[j] >= check.frozenSamples() - 1;
  }

  /** Judges the proposal, adding the reason when it is unusable; true when usable. */
  boolean proposal(double[] proposed, List<Intervention> reasons) {
    if (proposed == null || proposed.length != actions) {
      reasons.add(
          new Intervention(
              Layer.INPUT_VALIDITY,
              "proposal",
              "expected "
                  + actions
                  + " values "
                  + c.actionSpace().names()
                  + ", got "
                  + (proposed == null ? "none" : proposed.length),
              Double.NaN));
      return false;
    }
    for (int i = 0; i < actions; i++) {
      if (!Double.isFinite(proposed[i])) {
        String name = c.actionSpace().get(i).name();
        reasons.add(
            new Intervention(
                Layer.INPUT_VALIDITY, name, "proposed " + name + " is " + proposed[i], Double.NaN));
        return false;
      }
    }
    return true;
  }
}
