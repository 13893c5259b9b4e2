package org.safeloop.shield;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import org.safeloop.env.Quality;
import org.safeloop.shield.GeneratedShieldFile.Bound;
import org.safeloop.shield.GeneratedShieldFile.Check;
import org.safeloop.shield.ShieldEpisode.PlantChoice;
import org.safeloop.shield.ShieldEpisode.PreviousChoice;
import org.safeloop.shield.ShieldEpisode.ProposalChoice;
import org.safeloop.shield.ShieldEpisode.Relative;
import org.safeloop.shield.ShieldEpisode.Step;

/**
 * Adversarial generators for shield property tests: random constraint files for the {@code
 * cstr-constrained} model, and control steps that mix plausible plant data with NaN, infinities,
 * huge values, values at and one ulp outside every limit in the file, bad and missing qualities,
 * stale and future timestamps, repeated (frozen) values, and malformed arrays.
 *
 * <p>Everything generated inside a {@code flatMap} has its edge cases switched off: jqwik combines
 * the edge cases of every component, and for these nested generators that takes seconds and
 * gigabytes per value. The limits and special values that matter are generated explicitly.
 *
 * <p>Measured states far outside the plant's range make every prediction cost tens of milliseconds
 * (the integrator splits its steps down to 1/4096), so huge finite values of a state are generated
 * only where an instrument range check rejects them before any prediction; NaN and infinities are
 * generated everywhere.
 */
final class ShieldArbitraries {

  private ShieldArbitraries() {}

  // ---- constraint files ------------------------------------------------------------------------

  /**
   * Constraint files with random Tc limits inside [280, 320] K, rate limits per step and per minute
   * (or none), deadband, measurement checks, 0 to 3 state constraints on T and Ca with horizons
   * 1..10 and back-offs, a hold, fixed or PID fallback, and repair, bias and degraded settings.
   *
   * @param biasCorrectionOff true to write {@code filter_gain: 0}, so that predictions are the
   *     plain model's
   */
  static Arbitrary<GeneratedShieldFile> files(boolean biasCorrectionOff) {
    Arbitrary<double[]> limits =
        anyIn(280, 319.5)
            .flatMap(
                lo ->
                    Arbitraries.frequencyOf(
                            Tuple.of(8, anyIn(lo + 0.5, 320)),
                            Tuple.of(1, Arbitraries.just(320.0)),
                            Tuple.of(1, Arbitraries.just(Math.nextUp(lo))))
                        .map(hi -> new double[] {lo, hi})
                        .withoutEdgeCases());
    Arbitrary<double[]> actionLimits =
        Combinators.combine(limits, rate(), rate(), rate(), rate(), deadbandFraction())
            .as(
                (l, up, down, upMin, downMin, db) ->
                    new double[] {
                      l[0],
                      l[1],
                      orNaN(up),
                      orNaN(down),
                      orNaN(upMin),
                      orNaN(downMin),
                      db == null ? Double.NaN : db * Math.min(2.0, l[1] - l[0])
                    });
    return actionLimits.flatMap(
        a ->
            Combinators.combine(
                    measurements(),
                    constraints(),
                    fallback(a[0], a[1]),
                    bias(biasCorrectionOff),
                    repair(),
                    degraded())
                .as(
                    (checks, bounds, fallback, bias, repair, degraded) ->
                        new GeneratedShieldFile(
                            a[0],
                            a[1],
                            orNull(a[2]),
                            orNull(a[3]),
                            orNull(a[4]),
                            orNull(a[5]),
                            orNull(a[6]),
                            checks,
                            bounds,
                            fallback.get1(),
                            fallback.get2(),
                            bias.get1(),
                            bias.get2(),
                            repair.get1(),
                            repair.get2(),
                            degraded.get1(),
                            degraded.get2()))
                .filter(ShieldArbitraries::leavesABand)
                .withoutEdgeCases());
  }

  /**
   * True when the file's back-offs leave every constrained state a band inside its instrument
   * range: {@link Shields} refuses any other file at load, since it would only ever fall back.
   */
  static boolean leavesABand(GeneratedShieldFile file) {
    for (String state : GeneratedShieldFile.STATES) {
      double low = Double.NEGATIVE_INFINITY;
      double high = Double.POSITIVE_INFINITY;
      for (Bound b : file.constraints()) {
        if (!b.variable().equals(state)) {
          continue;
        }
        double back = b.backOff() == null ? 0.0 : b.backOff();
        if (b.min() != null) {
          low = Math.max(low, b.min() + back);
        }
        if (b.max() != null) {
          high = Math.min(high, b.max() - back);
        }
      }
      if (low >= high) {
        return false;
      }
      Check check = file.measurements().get(state);
      if (check != null
          && ((check.rangeMax() != null && low >= check.rangeMax())
              || (check.rangeMin() != null && high <= check.rangeMin()))) {
        return false;
      }
    }
    return true;
  }

  private static Arbitrary<Double> rate() {
    return Arbitraries.frequencyOf(
            Tuple.of(3, anyIn(0.01, 1)),
            Tuple.of(3, anyIn(1, 10)),
            Tuple.of(1, anyIn(10, 100)),
            Tuple.of(1, Arbitraries.just(1e-6)))
        .injectNull(0.35);
  }

  /** A fraction of the largest deadband generated, below 1 so the deadband stays below max-min. */
  private static Arbitrary<Double> deadbandFraction() {
    return Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(0.0)), Tuple.of(3, Arbitraries.doubles().between(0, 0.99)))
        .injectNull(0.4);
  }

  private static Arbitrary<Map<String, Check>> measurements() {
    return Combinators.combine(
            check("Ca").injectNull(0.1),
            check("T").injectNull(0.1),
            check("Ca_setpoint").injectNull(0.8))
        .as(
            (ca, t, setpoint) -> {
              Map<String, Check> checks = new LinkedHashMap<>();
              if (ca != null) {
                checks.put("Ca", ca);
              }
              if (t != null) {
                checks.put("T", t);
              }
              if (setpoint != null) {
                checks.put("Ca_setpoint", setpoint);
              }
              return checks;
            });
  }

  private static Arbitrary<Check> check(String signal) {
    Arbitrary<Double> low;
    Arbitrary<Double> high;
    switch (signal) {
      case "T" -> {
        low = anyIn(200, 300);
        high = anyIn(350, 380);
      }
      case "Ca" -> {
        low = anyIn(-0.1, 0);
        high = anyIn(1.0, 1.2);
      }
      default -> {
        low = Arbitraries.just(null);
        high = Arbitraries.just(null);
      }
    }
    Arbitrary<Boolean> ranged = Arbitraries.frequency(Tuple.of(9, true), Tuple.of(1, false));
    return Combinators.combine(
            ranged,
            low,
            high,
            anyIn(1, 120).injectNull(0.3),
            Arbitraries.integers().between(2, 10).injectNull(0.5),
            Arbitraries.of(0.0, 1e-6, 1e-3).injectNull(0.5),
            Arbitraries.of("accept", "reject").injectNull(0.3))
        .as(
            (hasRange, min, max, maxAge, frozen, tolerance, uncertain) ->
                new Check(
                    hasRange ? min : null,
                    hasRange ? max : null,
                    maxAge,
                    frozen,
                    tolerance,
                    uncertain));
  }

  private static Arbitrary<List<Bound>> constraints() {
    return bound()
        .list()
        .ofMaxSize(3)
        .map(
            bounds -> {
              // Only the first may take the default name (T_max, Ca_range, ...), so names stay
              // unique.
              List<Bound> named = new ArrayList<>();
              for (int k = 0; k < bounds.size(); k++) {
                Bound b = bounds.get(k);
                String name = k == 0 && b.asText() ? null : "c" + k;
                named.add(
                    new Bound(
                        name,
                        b.variable(),
                        b.min(),
                        b.max(),
                        b.horizon(),
                        b.backOff(),
                        b.asText(),
                        b.columnName()));
              }
              return named;
            });
  }

  private enum Sides {
    UPPER,
    LOWER,
    BOTH
  }

  private static Arbitrary<Bound> bound() {
    return Arbitraries.of("T", "Ca")
        .flatMap(
            variable -> {
              boolean t = variable.equals("T");
              Arbitrary<Double> low = t ? anyIn(300, 325) : anyIn(0, 0.8);
              Arbitrary<Double> high = t ? anyIn(320, 360) : anyIn(0.5, 1.0);
              Arbitrary<Double> gap =
                  t
                      ? Arbitraries.frequencyOf(
                          Tuple.of(1, anyIn(0.5, 10)), Tuple.of(2, anyIn(10, 60)))
                      : anyIn(0.01, 0.5);
              Arbitrary<Double> backOff = (t ? anyIn(0, 3) : anyIn(0, 0.05)).injectNull(0.2);
              return Combinators.combine(
                      Arbitraries.of(Sides.class),
                      low,
                      high,
                      gap,
                      backOff,
                      horizons(),
                      Arbitraries.of(true, false),
                      Arbitraries.frequency(Tuple.of(1, true), Tuple.of(4, false)))
                  .as(
                      (sides, min, max, between, back, horizon, asText, column) -> {
                        double b = back == null ? 0.0 : back;
                        Double lower = sides == Sides.UPPER ? null : min;
                        Double upper =
                            switch (sides) {
                              case UPPER -> max;
                              case LOWER -> null;
                              case BOTH -> min + 2 * b + between;
                            };
                        return new Bound(
                            null, variable, lower, upper, horizon, back, asText, column);
                      })
                  .withoutEdgeCases();
            });
  }

  /**
   * Horizons 1..10, short ones more often: a prediction costs in proportion to its horizon, and the
   * repair search makes about 20 of them.
   */
  private static Arbitrary<Integer> horizons() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.integers().between(1, 4)),
        Tuple.of(2, Arbitraries.integers().between(5, 10)));
  }

  private static Arbitrary<Tuple2<String, Double>> fallback(double lo, double hi) {
    Arbitrary<Double> fixed =
        Arbitraries.frequencyOf(
            Tuple.of(3, anyIn(lo, hi)),
            Tuple.of(1, Arbitraries.just(lo)),
            Tuple.of(1, Arbitraries.just(hi)));
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(Tuple.of((String) null, (Double) null))),
        Tuple.of(3, Arbitraries.just(Tuple.of("hold", (Double) null))),
        Tuple.of(3, fixed.map(v -> Tuple.of("fixed", v))),
        Tuple.of(2, Arbitraries.just(Tuple.of("pid", (Double) null))));
  }

  private static Arbitrary<Tuple2<Double, Double>> bias(boolean off) {
    Arbitrary<Double> maxFraction = anyIn(0.01, 1).injectNull(0.5);
    Arbitrary<Double> gain =
        off
            ? Arbitraries.just(0.0)
            : Arbitraries.frequencyOf(
                    Tuple.of(4, anyIn(0, 1)),
                    Tuple.of(1, Arbitraries.just(0.0)),
                    Tuple.of(1, Arbitraries.just(1.0)))
                .injectNull(0.3);
    return Combinators.combine(gain, maxFraction).as(Tuple::of);
  }

  private static Arbitrary<Tuple2<Integer, Integer>> repair() {
    return Combinators.combine(
            Arbitraries.integers().between(1, 20).injectNull(0.5),
            Arbitraries.integers().between(2, 15).injectNull(0.5))
        .as(Tuple::of);
  }

  private static Arbitrary<Tuple2<Double, Integer>> degraded() {
    return Combinators.combine(
            anyIn(0, 1).injectNull(0.5), Arbitraries.integers().between(1, 60).injectNull(0.5))
        .as(Tuple::of);
  }

  // ---- control steps ---------------------------------------------------------------------------

  /** A random file with 1 to {@code maxSteps} random steps. */
  static Arbitrary<ShieldEpisode> episodes(Arbitrary<GeneratedShieldFile> files, int maxSteps) {
    return files.flatMap(
        file ->
            steps(file)
                .list()
                .ofMinSize(1)
                .ofMaxSize(maxSteps)
                .map(steps -> new ShieldEpisode(file, steps))
                .withoutEdgeCases());
  }

  /** Control steps for a shield built from {@code file}. */
  static Arbitrary<Step> steps(GeneratedShieldFile file) {
    Arbitrary<PlantChoice> plants =
        Combinators.combine(
                snapshots(file), Arbitraries.frequency(Tuple.of(85, false), Tuple.of(15, true)))
            .as(PlantChoice::new);
    return Combinators.combine(plants, previous(file), proposals(file)).as(Step::new);
  }

  /** Snapshots: clean ones, adversarial ones, ones of the wrong size, or none. */
  static Arbitrary<PlantSnapshot> snapshots(GeneratedShieldFile file) {
    return Arbitraries.frequencyOf(
        Tuple.of(45, cleanSnapshots()),
        Tuple.of(45, fullSnapshots(file)),
        Tuple.of(5, wrongSizeSnapshots()),
        Tuple.of(5, Arbitraries.just((PlantSnapshot) null)));
  }

  /** Plausible values inside every generated instrument range, all GOOD and measured now. */
  static Arbitrary<PlantSnapshot> cleanSnapshots() {
    return Combinators.combine(anyIn(0, 1e5), plausible("Ca"), anyIn(300, 350), plausible(""))
        .as(
            (time, ca, t, setpoint) -> {
              int n = GeneratedShieldFile.SIGNALS.size();
              double[] values = new double[n];
              values[GeneratedShieldFile.SIGNALS.indexOf("Ca")] = ca;
              values[GeneratedShieldFile.SIGNALS.indexOf("T")] = t;
              values[GeneratedShieldFile.SIGNALS.indexOf("Ca_setpoint")] = setpoint;
              Quality[] good = new Quality[n];
              Arrays.fill(good, Quality.GOOD);
              double[] stamps = new double[n];
              Arrays.fill(stamps, time);
              return new PlantSnapshot(time, values, good, stamps);
            });
  }

  /** How old a value is, relative to the snapshot's time and the signal's largest age. */
  enum Age {
    FRESH,
    WITHIN_LIMIT,
    AT_LIMIT,
    JUST_STALE,
    JUST_IN_THE_FUTURE,
    IN_THE_FUTURE_WITHIN_LIMIT,
    FAR_PAST,
    FAR_FUTURE,
    NOT_A_NUMBER,
    MINUS_INFINITY;

    double timestamp(double time, double maxAge, double fraction) {
      return switch (this) {
        case FRESH -> time;
        case WITHIN_LIMIT -> time - fraction * maxAge;
        case AT_LIMIT -> time - maxAge;
        case JUST_STALE -> firstStale(time, maxAge);
        case JUST_IN_THE_FUTURE -> firstFuture(time, maxAge);
        case IN_THE_FUTURE_WITHIN_LIMIT -> time + fraction * maxAge;
        case FAR_PAST -> time - 1e12;
        case FAR_FUTURE -> time + 1e12;
        case NOT_A_NUMBER -> Double.NaN;
        case MINUS_INFINITY -> Double.NEGATIVE_INFINITY;
      };
    }
  }

  /** One generated signal of a snapshot; the timestamp is resolved against the snapshot's time. */
  private record Reading(double value, Quality quality, Age age, double fraction) {}

  /** Snapshots carrying every signal of the model, each possibly broken in its own way. */
  static Arbitrary<PlantSnapshot> fullSnapshots(GeneratedShieldFile file) {
    Arbitrary<Double> times =
        Arbitraries.frequencyOf(
            Tuple.of(10, anyIn(0, 1e5)),
            Tuple.of(3, Arbitraries.just(0.0)),
            Tuple.of(3, anyIn(1e6, 1e9)),
            Tuple.of(1, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY)));
    Arbitrary<Age> ages =
        Arbitraries.frequency(
            Tuple.of(80, Age.FRESH),
            Tuple.of(8, Age.WITHIN_LIMIT),
            Tuple.of(2, Age.AT_LIMIT),
            Tuple.of(3, Age.JUST_STALE),
            Tuple.of(3, Age.JUST_IN_THE_FUTURE),
            Tuple.of(2, Age.IN_THE_FUTURE_WITHIN_LIMIT),
            Tuple.of(1, Age.FAR_PAST),
            Tuple.of(1, Age.FAR_FUTURE),
            Tuple.of(1, Age.NOT_A_NUMBER),
            Tuple.of(1, Age.MINUS_INFINITY));
    List<Arbitrary<Reading>> readings = new ArrayList<>();
    double[] maxAges = new double[GeneratedShieldFile.SIGNALS.size()];
    for (int j = 0; j < maxAges.length; j++) {
      String signal = GeneratedShieldFile.SIGNALS.get(j);
      Check check = file.measurements().get(signal);
      maxAges[j] = check != null && check.maxAgeS() != null ? check.maxAgeS() : 60.0;
      readings.add(
          Combinators.combine(
                  values(file, signal), qualities(), ages, Arbitraries.doubles().between(0, 1))
              .as(Reading::new));
    }
    return Combinators.combine(times, Combinators.combine(readings).as(l -> l))
        .as(
            (time, r) -> {
              int n = r.size();
              double[] values = new double[n];
              Quality[] qualities = new Quality[n];
              double[] stamps = new double[n];
              for (int j = 0; j < n; j++) {
                values[j] = r.get(j).value();
                qualities[j] = r.get(j).quality();
                stamps[j] = r.get(j).age().timestamp(time, maxAges[j], r.get(j).fraction());
              }
              return new PlantSnapshot(time, values, qualities, stamps);
            });
  }

  private static Arbitrary<PlantSnapshot> wrongSizeSnapshots() {
    return Arbitraries.of(0, 1, 2, 4, 5)
        .map(
            n -> {
              double[] values = new double[n];
              Arrays.fill(values, 320.0);
              Quality[] q = new Quality[n];
              Arrays.fill(q, Quality.GOOD);
              return new PlantSnapshot(0.0, values, q, new double[n]);
            });
  }

  /** Qualities: mostly GOOD, else UNCERTAIN, BAD or missing. */
  static Arbitrary<Quality> qualities() {
    return Arbitraries.frequency(
        Tuple.of(85, Quality.GOOD),
        Tuple.of(5, Quality.UNCERTAIN),
        Tuple.of(5, Quality.BAD),
        Tuple.of(5, (Quality) null));
  }

  /** A plausible value of {@code signal} in the cstr-constrained plant. */
  static Arbitrary<Double> plausible(String signal) {
    return switch (signal) {
      case "Ca" -> anyIn(0, 1.0);
      case "T" -> anyIn(290, 360);
      default -> anyIn(0.7, 1.0);
    };
  }

  private static Arbitrary<Double> values(GeneratedShieldFile file, String signal) {
    List<Double> edges = new ArrayList<>();
    Check check = file.measurements().get(signal);
    boolean ranged = check != null && check.rangeMin() != null;
    if (ranged) {
      aroundEach(edges, check.rangeMin(), check.rangeMax());
    }
    for (Bound b : file.constraints()) {
      if (b.variable().equals(signal)) {
        double back = b.backOff() == null ? 0.0 : b.backOff();
        if (b.min() != null) {
          aroundEach(edges, b.min(), b.min() + back);
        }
        if (b.max() != null) {
          aroundEach(edges, b.max(), b.max() - back);
        }
      }
    }
    List<Tuple2<Integer, Arbitrary<Double>>> choices = new ArrayList<>();
    choices.add(Tuple.of(75, plausible(signal)));
    choices.add(
        Tuple.of(
            4, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
    if (!edges.isEmpty()) {
      choices.add(Tuple.of(12, Arbitraries.of(edges)));
    }
    boolean predicted =
        !file.constraints().isEmpty() && GeneratedShieldFile.STATES.contains(signal);
    if (ranged || !predicted) {
      choices.add(
          Tuple.of(4, Arbitraries.of(1e12, -1e12, Double.MAX_VALUE, -Double.MAX_VALUE, 0.0, -0.0)));
    }
    return Arbitraries.frequencyOf(choices);
  }

  /**
   * The latest timestamp whose age, as the shield computes it, exceeds {@code maxAge}: stepping
   * back by an ulp of the time, not of the timestamp, which near zero is too fine to move the age.
   */
  static double firstStale(double time, double maxAge) {
    double stamp = time - maxAge;
    while (Double.isFinite(time) && !(time - stamp > maxAge)) {
      stamp = Math.min(Math.nextDown(stamp), stamp - Math.ulp(time));
    }
    return stamp;
  }

  /** The earliest timestamp that lies further in the future than {@code maxAge}. */
  static double firstFuture(double time, double maxAge) {
    double stamp = time + maxAge;
    while (Double.isFinite(time) && !(Math.abs(time - stamp) > maxAge)) {
      stamp = Math.max(Math.nextUp(stamp), stamp + Math.ulp(time));
    }
    return stamp;
  }

  /**
   * Previous applied actions: the shield's own last one, or anything inside, at or past the limits.
   */
  static Arbitrary<PreviousChoice> previous(GeneratedShieldFile file) {
    double lo = file.tcMin();
    double hi = file.tcMax();
    double mid = 0.5 * (lo + hi);
    return Arbitraries.frequencyOf(
        Tuple.of(45, Arbitraries.just(new PreviousChoice(true, null))),
        Tuple.of(20, anyIn(lo, hi).map(v -> given(new double[] {v}))),
        Tuple.of(8, Arbitraries.of(lo, hi, Math.nextUp(lo), Math.nextDown(hi)).map(v -> given(v))),
        Tuple.of(
            6,
            Arbitraries.of(Math.nextDown(lo), Math.nextUp(hi), lo - 1e12, hi + 1e12)
                .map(v -> given(v))),
        Tuple.of(
            4,
            Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)
                .map(v -> given(v))),
        Tuple.of(5, Arbitraries.of(given((double[]) null), given(new double[0]), given(mid, mid))));
  }

  private static PreviousChoice given(double... value) {
    return new PreviousChoice(false, value);
  }

  /**
   * Proposals anywhere, at and one ulp past the hard and rate limits, huge, non-finite, malformed.
   */
  static Arbitrary<ProposalChoice> proposals(GeneratedShieldFile file) {
    double lo = file.tcMin();
    double hi = file.tcMax();
    List<Relative> relative = new ArrayList<>(Arrays.asList(Relative.values()));
    relative.remove(Relative.NONE);
    return Arbitraries.frequencyOf(
        Tuple.of(25, anyIn(270, 330).map(v -> proposal(v))),
        Tuple.of(10, anyIn(lo, hi).map(v -> proposal(v))),
        Tuple.of(
            10,
            Arbitraries.of(
                    lo, hi, Math.nextUp(hi), Math.nextDown(lo), Math.nextUp(lo), Math.nextDown(hi))
                .map(v -> proposal(v))),
        Tuple.of(30, Arbitraries.of(relative).map(r -> new ProposalChoice(r, null))),
        Tuple.of(
            5,
            Arbitraries.of(1e12, -1e12, Double.MAX_VALUE, -Double.MAX_VALUE).map(v -> proposal(v))),
        Tuple.of(5, badProposals()));
  }

  /** Proposals the shield cannot use: null, of the wrong length, or not finite. */
  static Arbitrary<ProposalChoice> badProposals() {
    return Arbitraries.of(
        proposal((double[]) null),
        proposal(new double[0]),
        proposal(300.0, 300.0),
        proposal(Double.NaN),
        proposal(Double.POSITIVE_INFINITY),
        proposal(Double.NEGATIVE_INFINITY));
  }

  private static ProposalChoice proposal(double... value) {
    return new ProposalChoice(Relative.NONE, value);
  }

  // ---- numbers ---------------------------------------------------------------------------------

  /**
   * A number in [lo, hi]: often with two decimals, as people write them (jqwik adds the ends as
   * edge cases), else with full precision.
   */
  static Arbitrary<Double> anyIn(double lo, double hi) {
    Arbitrary<Double> full =
        Arbitraries.randomValue(r -> Math.min(hi, Math.max(lo, lo + (hi - lo) * r.nextDouble())));
    double roundLo = BigDecimal.valueOf(lo).setScale(2, RoundingMode.CEILING).doubleValue();
    double roundHi = BigDecimal.valueOf(hi).setScale(2, RoundingMode.FLOOR).doubleValue();
    if (!(roundLo < roundHi)) {
      return full;
    }
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.doubles().between(roundLo, roundHi)), Tuple.of(2, full));
  }

  private static void aroundEach(List<Double> edges, double... limits) {
    for (double limit : limits) {
      edges.add(limit);
      edges.add(Math.nextUp(limit));
      edges.add(Math.nextDown(limit));
    }
  }

  private static double orNaN(Double value) {
    return value == null ? Double.NaN : value;
  }

  private static Double orNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
