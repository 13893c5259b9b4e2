package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.safeloop.env.Quality;
import org.safeloop.shield.GeneratedShieldFile.Check;
import org.safeloop.shield.ShieldEpisode.Decided;
import org.safeloop.shield.ShieldEpisode.PlantChoice;
import org.safeloop.shield.ShieldEpisode.ProposalChoice;
import org.safeloop.shield.ShieldEpisode.Step;

/**
 * Bad, stale and malformed inputs never make the shield throw; they give a fallback decision whose
 * reasons name what was wrong. Each property runs a random history on a shield built from a random
 * constraint file, then one step with a fault.
 */
class ShieldInputValidityProperties {

  /** What is wrong with one signal of a snapshot, or with the snapshot as a whole. */
  enum Fault {
    BAD_QUALITY,
    MISSING_QUALITY,
    UNCERTAIN_QUALITY,
    NAN,
    POSITIVE_INFINITY,
    NEGATIVE_INFINITY,
    STALE,
    IN_THE_FUTURE,
    BELOW_RANGE,
    ABOVE_RANGE,
    WRONG_SIZE,
    NO_SNAPSHOT
  }

  /**
   * A fault and the signal it hits.
   *
   * @param signal the observation signal, or null for a fault of the whole snapshot
   * @param fault what is wrong
   * @param size the snapshot's size for {@link Fault#WRONG_SIZE}
   */
  record Corruption(String signal, Fault fault, int size) {

    /** The subject the shield's intervention must name. */
    String subject() {
      return signal == null ? "plant" : signal;
    }

    PlantSnapshot apply(PlantSnapshot healthy, GeneratedShieldFile file) {
      if (fault == Fault.NO_SNAPSHOT) {
        return null;
      }
      double[] values = healthy.values();
      Quality[] qualities = healthy.qualities();
      double[] stamps = healthy.timestamps();
      if (fault == Fault.WRONG_SIZE) {
        double[] v = Arrays.copyOf(values, size);
        Quality[] q = Arrays.copyOf(qualities, size);
        double[] ts = Arrays.copyOf(stamps, size);
        for (int j = values.length; j < size; j++) {
          q[j] = Quality.GOOD;
        }
        return new PlantSnapshot(healthy.time(), v, q, ts);
      }
      int j = GeneratedShieldFile.SIGNALS.indexOf(signal);
      Check check = file.measurements().get(signal);
      switch (fault) {
        case BAD_QUALITY -> qualities[j] = Quality.BAD;
        case MISSING_QUALITY -> qualities[j] = null;
        case UNCERTAIN_QUALITY -> qualities[j] = Quality.UNCERTAIN;
        case NAN -> values[j] = Double.NaN;
        case POSITIVE_INFINITY -> values[j] = Double.POSITIVE_INFINITY;
        case NEGATIVE_INFINITY -> values[j] = Double.NEGATIVE_INFINITY;
        case STALE -> stamps[j] = ShieldArbitraries.firstStale(healthy.time(), check.maxAgeS());
        case IN_THE_FUTURE ->
            stamps[j] = ShieldArbitraries.firstFuture(healthy.time(), check.maxAgeS());
        case BELOW_RANGE -> values[j] = Math.nextDown(check.rangeMin());
        case ABOVE_RANGE -> values[j] = Math.nextUp(check.rangeMax());
        default -> throw new AssertionError(fault);
      }
      return new PlantSnapshot(healthy.time(), values, qualities, stamps);
    }
  }

  /**
   * A random history followed by one step whose snapshot has a fault.
   *
   * @param episode the history and, as its last step, the faulty one
   * @param corruption the fault of the last step
   */
  record FaultyEpisode(ShieldEpisode episode, Corruption corruption) {

    @Override
    public String toString() {
      return corruption + " in the last step of " + episode;
    }
  }

  /** Every fault the file's checks must catch: on validated signals, and of the whole snapshot. */
  static List<Corruption> corruptions(GeneratedShieldFile file) {
    List<Corruption> all = new ArrayList<>();
    for (String signal : GeneratedShieldFile.SIGNALS) {
      if (!file.validates(signal)) {
        continue;
      }
      Check check = file.measurements().get(signal);
      for (Fault f :
          List.of(
              Fault.BAD_QUALITY,
              Fault.MISSING_QUALITY,
              Fault.NAN,
              Fault.POSITIVE_INFINITY,
              Fault.NEGATIVE_INFINITY)) {
        all.add(new Corruption(signal, f, 0));
      }
      if (check == null || check.rejectsUncertain()) {
        all.add(new Corruption(signal, Fault.UNCERTAIN_QUALITY, 0));
      }
      if (check != null && check.maxAgeS() != null) {
        all.add(new Corruption(signal, Fault.STALE, 0));
        all.add(new Corruption(signal, Fault.IN_THE_FUTURE, 0));
      }
      if (check != null && check.rangeMin() != null) {
        all.add(new Corruption(signal, Fault.BELOW_RANGE, 0));
        all.add(new Corruption(signal, Fault.ABOVE_RANGE, 0));
      }
    }
    for (int size : new int[] {0, 1, 2, 4, 5}) {
      all.add(new Corruption(null, Fault.WRONG_SIZE, size));
    }
    all.add(new Corruption(null, Fault.NO_SNAPSHOT, 0));
    return all;
  }

  @Provide
  Arbitrary<FaultyEpisode> faultySnapshots() {
    return ShieldArbitraries.files(false)
        .flatMap(
            file ->
                Combinators.combine(
                        ShieldArbitraries.steps(file).list().ofMaxSize(2),
                        ShieldArbitraries.fullSnapshots(file),
                        Arbitraries.of(corruptions(file)),
                        ShieldArbitraries.previous(file),
                        ShieldArbitraries.proposals(file))
                    .as(
                        (history, healthy, corruption, previous, proposal) -> {
                          List<Step> steps = new ArrayList<>(history);
                          PlantSnapshot faulty = corruption.apply(healthy, file);
                          steps.add(new Step(new PlantChoice(faulty, false), previous, proposal));
                          return new FaultyEpisode(new ShieldEpisode(file, steps), corruption);
                        })
                    .withoutEdgeCases());
  }

  @Property(tries = 10000)
  void aFaultyMeasurementGivesAFallbackNamingTheSignal(
      @ForAll("faultySnapshots") FaultyEpisode faulty) {
    ShieldEpisode episode = faulty.episode();
    SafetyShield shield = episode.file().build();
    List<Decided> decided = episode.run(shield);
    Decided last = decided.get(decided.size() - 1);
    ShieldDecision d = last.decision();
    Statistics.label("fault").collect(faulty.corruption().fault());
    assertEquals(Verdict.FALLBACK, d.verdict(), last::toString);
    assertTrue(
        d.interventions().stream()
            .anyMatch(
                i ->
                    i.layer() == Layer.INPUT_VALIDITY
                        && i.subject().equals(faulty.corruption().subject())),
        () -> "no input-validity reason naming " + faulty.corruption().subject() + ": " + last);
    assertAppliedInsideTheHardLimits(shield, last);
  }

  @Provide
  Arbitrary<ShieldEpisode> badProposals() {
    return ShieldArbitraries.files(false)
        .flatMap(
            file ->
                Combinators.combine(
                        ShieldArbitraries.steps(file).list().ofMaxSize(2),
                        ShieldArbitraries.snapshots(file),
                        ShieldArbitraries.previous(file),
                        ShieldArbitraries.badProposals())
                    .as(
                        (history, plant, previous, proposal) -> {
                          List<Step> steps = new ArrayList<>(history);
                          steps.add(new Step(new PlantChoice(plant, false), previous, proposal));
                          return new ShieldEpisode(file, steps);
                        })
                    .withoutEdgeCases());
  }

  @Property(tries = 10000)
  void anUnusableProposalGivesAFallbackNamingTheProposal(
      @ForAll("badProposals") ShieldEpisode episode) {
    SafetyShield shield = episode.file().build();
    List<Decided> decided = episode.run(shield);
    Decided last = decided.get(decided.size() - 1);
    ShieldDecision d = last.decision();
    String subject = last.proposed() == null || last.proposed().length != 1 ? "proposal" : "Tc";
    assertEquals(Verdict.FALLBACK, d.verdict(), last::toString);
    assertTrue(
        d.interventions().stream()
            .anyMatch(i -> i.layer() == Layer.INPUT_VALIDITY && i.subject().equals(subject)),
        () -> "no input-validity reason naming " + subject + ": " + last);
    assertAppliedInsideTheHardLimits(shield, last);
  }

  /**
   * A transmitter stuck at one value (moving by at most its tolerance) for {@code samples} steps on
   * a file that checks it.
   *
   * @param file the constraint file, with a frozen check on {@code signal}
   * @param signal the stuck signal
   * @param samples the check's frozen_samples
   * @param stuckValues the signal's values, one per step
   * @param proposals the policy's proposals, one per step
   */
  record FrozenCase(
      GeneratedShieldFile file,
      String signal,
      int samples,
      double[] stuckValues,
      List<ProposalChoice> proposals) {

    @Override
    public String toString() {
      return signal
          + " stuck at "
          + Arrays.toString(stuckValues)
          + " with proposals "
          + proposals
          + " on "
          + file;
    }
  }

  @Provide
  Arbitrary<FrozenCase> frozenTransmitters() {
    return ShieldArbitraries.files(false)
        .flatMap(
            file ->
                Combinators.combine(
                        Arbitraries.of(GeneratedShieldFile.SIGNALS),
                        Arbitraries.integers().between(2, 4),
                        Arbitraries.of(0.0, 1e-6, 1e-3),
                        Arbitraries.doubles().between(0, 1))
                    .flatAs(
                        (signal, samples, tolerance, where) -> {
                          Check own = file.measurements().get(signal);
                          Check frozen =
                              own == null
                                  ? new Check(null, null, null, samples, tolerance, null)
                                  : new Check(
                                      own.rangeMin(),
                                      own.rangeMax(),
                                      own.maxAgeS(),
                                      samples,
                                      tolerance,
                                      own.uncertain());
                          GeneratedShieldFile checked = file.withMeasurement(signal, frozen);
                          double[] stuck = stuckValues(signal, samples, tolerance, where);
                          return ShieldArbitraries.proposals(checked)
                              .list()
                              .ofSize(samples)
                              .map(p -> new FrozenCase(checked, signal, samples, stuck, p));
                        })
                    .withoutEdgeCases());
  }

  /** Values inside every generated instrument range that move by at most {@code tolerance}. */
  private static double[] stuckValues(String signal, int samples, double tolerance, double where) {
    double value =
        switch (signal) {
          // Keep a margin to the generated range ends ([<=300, >=350] K, [<=0, >=1] mol/m3), so
          // that moving by the tolerance never leaves the instrument range.
          case "T" -> 305 + 40 * where;
          case "Ca" -> 0.05 + 0.9 * where;
          default -> 0.7 + 0.3 * where;
        };
    double[] stuck = new double[samples];
    for (int k = 0; k < samples; k++) {
      // Alternate by exactly the tolerance where the subtraction allows it: still unchanged.
      double moved = value + tolerance;
      stuck[k] = k % 2 == 1 && Math.abs(moved - value) <= tolerance ? moved : value;
    }
    return stuck;
  }

  @Property(tries = 10000)
  void aTransmitterStuckForFrozenSamplesGivesAFallbackNamingItOnlyThen(
      @ForAll("frozenTransmitters") FrozenCase stuck) {
    SafetyShield shield = stuck.file().build();
    int j = GeneratedShieldFile.SIGNALS.indexOf(stuck.signal());
    double[] applied = null;
    for (int k = 0; k < stuck.samples(); k++) {
      double time = 1000.0 + shield.controlIntervalSeconds() * k;
      // The other signals move by more than any generated tolerance and stay inside every range.
      double[] values = {0.8 + 0.01 * k, 320.0 + 0.5 * k, 0.86 + 0.01 * k};
      values[j] = stuck.stuckValues()[k];
      Quality[] qualities = {Quality.GOOD, Quality.GOOD, Quality.GOOD};
      double[] stamps = {time, time, time};
      PlantSnapshot plant = new PlantSnapshot(time, values, qualities, stamps);
      double[] proposed = stuck.proposals().get(k).resolve(applied, stuck.file());
      Decided d = ShieldEpisode.decide(shield, plant, proposed, applied);
      boolean namesSignal =
          d.decision().interventions().stream()
              .anyMatch(
                  i -> i.layer() == Layer.INPUT_VALIDITY && i.subject().equals(stuck.signal()));
      if (k < stuck.samples() - 1) {
        assertFalse(namesSignal, () -> "frozen too early: " + d);
      } else {
        assertEquals(Verdict.FALLBACK, d.decision().verdict(), d::toString);
        assertTrue(namesSignal && d.decision().reason().contains("frozen"), d::toString);
      }
      assertAppliedInsideTheHardLimits(shield, d);
      applied = d.decision().appliedAction();
    }
  }

  private static void assertAppliedInsideTheHardLimits(SafetyShield shield, Decided d) {
    double a = d.decision().appliedAction()[0];
    assertTrue(
        Double.isFinite(a)
            && a >= shield.actionSpace().get(0).min()
            && a <= shield.actionSpace().get(0).max(),
        d::toString);
    assertTrue(
        d.decision().verdict() == Verdict.ACCEPTED || !d.decision().reason().isEmpty(),
        d::toString);
  }
}
