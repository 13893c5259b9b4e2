package org.safeloop.env.estimation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.realism.DisturbanceConfig;
import org.safeloop.env.realism.RealismConfig;
import org.safeloop.env.realism.SensorConfig;
import org.safeloop.env.realism.UncertaintyConfig;
import org.safeloop.env.scenario.Scenario;

/**
 * The noise model of an {@link ExtendedKalmanFilter}: how much to trust each measurement, the
 * model, the initial state, and which parameters and sensor biases to estimate beside the states.
 * Every standard deviation is in the engineering unit of its signal or parameter; "per step" means
 * per control interval. {@link #fromScenario} derives them from a scenario's realism section. Maps
 * keep their order (so the filter's state vector and every result are deterministic); immutable and
 * thread-safe.
 *
 * @param measurementStd standard deviation of the measurement error by measured-signal name (the
 *     diagonal of R); every measured signal needs a positive entry
 * @param processStd standard deviation per step of what the model misses, by state name (the
 *     diagonal of Q for the states); every state needs a non-negative entry
 * @param initialStd standard deviation of the initial state around the prior mean given to {@link
 *     ExtendedKalmanFilter#reset}, by state name; every state needs a positive entry
 * @param parameters model parameters estimated as random-walk states, by parameter name (e.g. a
 *     disturbed feed temperature); may be empty
 * @param sensorBiases measurement offsets estimated as random-walk states, by measured-signal name
 *     (bias and drift); may be empty
 * @param relativeStep relative perturbation of the central finite differences that give the
 *     Jacobian of the discrete-time step: a variable z moves by {@code relativeStep * max(|z|,
 *     scale)}, the scale being the state's range or, for a parameter, its nominal magnitude
 */
public record EstimatorSettings(
    Map<String, Double> measurementStd,
    Map<String, Double> processStd,
    Map<String, Double> initialStd,
    Map<String, RandomWalk> parameters,
    Map<String, RandomWalk> sensorBiases,
    double relativeStep) {

  /**
   * How quickly a filter derived by {@link #fromScenario} lets its estimated parameters and biases
   * follow the readings: the trade between rejecting noise and following what the model misses.
   * Which suits depends on who reads the estimates, and was chosen by measurement for each
   * (docs/baselines.md, "State estimator"):
   *
   * <ul>
   *   <li>{@link #SMOOTH} for a model-based controller (the {@code nmpc} baseline), which needs the
   *       true state: it plans on it and backs its constraints off by its uncertainty;
   *   <li>{@link #FAST} for a learned policy's observations ({@code observation.estimate}), which
   *       uses the parameter estimates as quick offset signals.
   * </ul>
   *
   * @param processStdFraction process noise per step of every state, as a fraction of the state's
   *     range (the diagonal of Q)
   * @param walkFraction random-walk standard deviation per step of a parameter that is only
   *     uncertain or only steps, as a fraction of its largest offset (or of its uncertainty's
   *     deviation when it has none); a parameter that a ramp, sine or random walk moves always
   *     walks by {@value #CONTINUOUS_WALK_FRACTION}
   * @param jumps whether a parameter that steps may jump by its largest step ({@link
   *     RandomWalk#jumpStd()})
   */
  public record Tuning(double processStdFraction, double walkFraction, boolean jumps) {
    /**
     * Q 3e-4 of the range, walks of 0.005, steps caught as jumps. On cstr-tracking with realism on
     * the T estimate is 2.4 times closer than the raw reading (1.2 with {@link #FAST}); `nmpc` on
     * cstr-constrained scores -77.55 with 4 violating steps in 50 episodes (-83.47 with 8), level
     * on cstr-tracking, worse on the Van de Vusse reactor (-13.99 against -13.23 over 10 episodes).
     */
    public static final Tuning SMOOTH = new Tuning(3e-4, 0.005, true);

    /**
     * Q 1e-3 of the range, walks of 0.05, no jump test: the estimated feed temperature and heat
     * transfer follow an offset within a few steps, noise and all. PPO-Lag observing these
     * estimates beats the same agent observing {@link #SMOOTH}'s on 10 of 10 seeds on
     * cstr-constrained (median -90.53 against -91.81) and 8 of 10 on cstr-tracking (-40.04 against
     * -42.04).
     */
    public static final Tuning FAST = new Tuning(1e-3, 0.05, false);

    /** Checks the fractions. */
    public Tuning {
      if (!(processStdFraction >= 0) || !(walkFraction >= 0)) {
        throw new IllegalArgumentException(
            "tuning fractions must be non-negative, got "
                + processStdFraction
                + ", "
                + walkFraction);
      }
    }
  }

  /**
   * Random-walk standard deviation per step of a parameter that a ramp, a sine or a random-walk
   * disturbance moves, as a fraction of the largest offset the realism section allows it: 0.05,
   * whatever the {@link Tuning}, since a jump test cannot follow a continuous change.
   */
  public static final double CONTINUOUS_WALK_FRACTION = 0.05;

  /** Initial standard deviation of every state, as a fraction of its range: 5 %. */
  public static final double INITIAL_STD_FRACTION = 0.05;

  /**
   * Smallest measurement standard deviation, as a fraction of the signal's range (1e-4): a perfect
   * sensor still gets a finite R, so the filter follows it almost exactly without a singular
   * innovation covariance.
   */
  public static final double MEASUREMENT_STD_FLOOR_FRACTION = 1e-4;

  /**
   * Probability per update that innovations from the random walks alone exceed the chi-square
   * threshold at which the filter assumes a jump (1e-3: about one false alarm per 17 episodes of 60
   * steps, each costing a few noisier estimates).
   */
  public static final double JUMP_FALSE_ALARM_PROBABILITY = 1e-3;

  /** Half-width of a parameter estimate's observation range, in extents (see below). */
  public static final double ESTIMATE_RANGE_EXTENTS = 3.0;

  /** Relative finite-difference step of the Jacobians: 1e-6 (central differences). */
  public static final double RELATIVE_STEP = 1e-6;

  /**
   * The prior and the drift of one augmented variable.
   *
   * @param initialStd standard deviation at reset around the prior mean (the nominal parameter, or
   *     a zero bias), in the variable's unit; positive
   * @param stepStd standard deviation of its random-walk increment per control step; non-negative
   * @param jumpStd standard deviation of a sudden change (an unannounced step) the filter allows
   *     for in an interval after which its innovations are improbable under the random walk alone
   *     ({@link ExtendedKalmanFilter}); 0 for a variable that does not jump
   */
  public record RandomWalk(double initialStd, double stepStd, double jumpStd) {
    /** Checks the deviations. */
    public RandomWalk {
      if (!(initialStd > 0) || !Double.isFinite(initialStd)) {
        throw new IllegalArgumentException("initial std must be positive, got " + initialStd);
      }
      if (!(stepStd >= 0) || !Double.isFinite(stepStd)) {
        throw new IllegalArgumentException("step std must be non-negative, got " + stepStd);
      }
      if (!(jumpStd >= 0) || !Double.isFinite(jumpStd)) {
        throw new IllegalArgumentException("jump std must be non-negative, got " + jumpStd);
      }
    }

    /** A walk without jumps. */
    public RandomWalk(double initialStd, double stepStd) {
      this(initialStd, stepStd, 0.0);
    }
  }

  /** Copies the maps in order and checks every deviation. */
  public EstimatorSettings {
    measurementStd = copy(measurementStd, "measurement std", true);
    processStd = copy(processStd, "process std", false);
    initialStd = copy(initialStd, "initial std", true);
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    sensorBiases = Collections.unmodifiableMap(new LinkedHashMap<>(sensorBiases));
    if (!(relativeStep > 0) || !(relativeStep < 1)) {
      throw new IllegalArgumentException(
          "relative finite-difference step must be in (0, 1), got " + relativeStep);
    }
  }

  private static Map<String, Double> copy(Map<String, Double> map, String what, boolean positive) {
    Map<String, Double> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Double> e : map.entrySet()) {
      double v = e.getValue();
      if (!Double.isFinite(v) || v < 0 || (positive && v == 0)) {
        throw new IllegalArgumentException(
            what
                + " of "
                + e.getKey()
                + " must be "
                + (positive ? "positive" : "non-negative")
                + ", got "
                + v);
      }
      copy.put(e.getKey(), v);
    }
    return Collections.unmodifiableMap(copy);
  }

  /**
   * Derives the noise model from {@code scenario}'s realism section, as a control engineer would
   * from the instrument data sheets and the list of known disturbances, without their timing:
   *
   * <ul>
   *   <li>R: each sensor's {@code noise_std}, combined with the quantisation error {@code q /
   *       sqrt(12)}, at least {@value #MEASUREMENT_STD_FLOOR_FRACTION} of the signal's range;
   *   <li>Q: 3e-4 of each state's range per step ({@link Tuning#SMOOTH}, the default here); P0:
   *       {@value #INITIAL_STD_FRACTION} of it;
   *   <li>every parameter with a disturbance or an uncertainty becomes a random-walk state: its
   *       initial deviation is the uncertainty's (normal: {@code relative_std}; uniform: {@code
   *       relative_range / sqrt(3)}, times the nominal value); its walk per step is a fraction of
   *       the largest offset its disturbances allow (step and sine: the magnitude; ramp: the rate
   *       over the episode; random walk: {@code std sqrt(episode)}; never beyond the offset
   *       bounds), or of the initial deviation when it has none: {@value #CONTINUOUS_WALK_FRACTION}
   *       when a ramp, sine or random walk moves it, else 0.005; and a parameter with step
   *       disturbances may jump by the largest step;
   *   <li>every sensor with a bias or a drift gets a random-walk bias state: initial deviation the
   *       bias (at least the noise), walk per step {@code sqrt((drift_rate dt)^2 N +
   *       drift_random_walk^2 dt)} over an episode of N steps, so that the walk's spread at the end
   *       of the episode equals the linear drift's size.
   * </ul>
   *
   * When {@code realism} is false every sensor is taken as perfect and nothing is augmented.
   */
  public static EstimatorSettings fromScenario(Scenario scenario, boolean realism) {
    return fromScenario(scenario, realism, Tuning.SMOOTH);
  }

  /**
   * Derives the noise model as {@link #fromScenario(Scenario, boolean)} does, with {@code tuning}'s
   * process noise, parameter walks and jump test.
   */
  public static EstimatorSettings fromScenario(Scenario scenario, boolean realism, Tuning tuning) {
    RealismConfig config = realism ? scenario.spec().realism() : RealismConfig.none();
    SignalSpace observed = scenario.observationSpace();
    SignalSpace states = scenario.stateSpace();
    double dt = scenario.controlInterval();
    double episode = dt * scenario.episodeSteps();

    Map<String, Double> measurement = new LinkedHashMap<>();
    Map<String, RandomWalk> biases = new LinkedHashMap<>();
    for (int i = 0; i < observed.size(); i++) {
      String name = observed.get(i).name();
      if (states.indexOf(name) < 0) {
        continue;
      }
      SensorConfig sensor = config.sensor(name);
      double quantum = sensor.quantization() / Math.sqrt(12.0);
      double std = Math.hypot(sensor.noiseStd(), quantum);
      double floor = MEASUREMENT_STD_FLOOR_FRACTION * observed.get(i).span();
      measurement.put(name, Math.max(std, floor));
      // A random walk that reaches the linear drift's size by the end of the episode.
      double walk =
          Math.sqrt(
              Math.pow(sensor.driftRate() * dt, 2) * scenario.episodeSteps()
                  + Math.pow(sensor.driftRandomWalk(), 2) * dt);
      if (sensor.bias() != 0.0 || walk > 0.0) {
        biases.put(
            name, new RandomWalk(Math.max(Math.abs(sensor.bias()), Math.max(std, floor)), walk));
      }
    }

    Map<String, Double> process = new LinkedHashMap<>();
    Map<String, Double> initial = new LinkedHashMap<>();
    for (int i = 0; i < states.size(); i++) {
      process.put(states.get(i).name(), tuning.processStdFraction() * states.get(i).span());
      initial.put(states.get(i).name(), INITIAL_STD_FRACTION * states.get(i).span());
    }

    Map<String, RandomWalk> parameters = new LinkedHashMap<>();
    List<ParameterSpec> specs = scenario.model().parameters();
    for (ParameterExtent e :
        parameterExtents(config, specs, scenario.nominalParameters(), episode)) {
      double fraction = e.continuous() ? CONTINUOUS_WALK_FRACTION : tuning.walkFraction();
      double walk = fraction * (e.offset() == null ? e.initialStd() : e.offset());
      double jump = tuning.jumps() ? e.largestStep() : 0.0;
      parameters.put(e.spec().name(), new RandomWalk(e.initialStd(), walk, jump));
    }
    return new EstimatorSettings(measurement, process, initial, parameters, biases, RELATIVE_STEP);
  }

  /**
   * How far a parameter the realism section disturbs or makes uncertain may be from its nominal
   * value: its uncertainty's deviation, the largest offset its disturbances reach (null for none),
   * the largest of its steps (0 for none), and whether any disturbance moves it continuously.
   */
  private record ParameterExtent(
      ParameterSpec spec,
      double nominal,
      double initialStd,
      Double offset,
      double largestStep,
      boolean continuous) {}

  /** The parameters {@link #fromScenario} estimates with realism on, in the model's order. */
  private static List<ParameterExtent> parameterExtents(
      RealismConfig config, List<ParameterSpec> specs, double[] nominal, double episode) {
    Map<String, Double> largestOffset = new LinkedHashMap<>();
    Map<String, Double> largestStep = new LinkedHashMap<>();
    Map<String, Boolean> continuous = new LinkedHashMap<>();
    for (DisturbanceConfig d : config.disturbances()) {
      largestOffset.merge(d.parameter(), largestOffset(d, episode), Double::sum);
      boolean step = "step".equals(d.type());
      largestStep.merge(d.parameter(), step ? largestOffset(d, episode) : 0.0, Math::max);
      continuous.merge(d.parameter(), !step, Boolean::logicalOr);
    }
    List<ParameterExtent> out = new java.util.ArrayList<>();
    for (int p = 0; p < specs.size(); p++) {
      String name = specs.get(p).name();
      UncertaintyConfig u = config.parameterUncertainty().get(name);
      Double offset = largestOffset.get(name);
      if (u == null && offset == null) {
        continue;
      }
      double scale = Math.abs(nominal[p]);
      double spread =
          u == null
              ? 0.0
              : scale
                  * ("normal".equals(u.distribution()) ? u.relativeStd() : u.relativeRange())
                  / ("normal".equals(u.distribution()) ? 1.0 : Math.sqrt(3.0));
      double initialStd = Math.max(spread, 1e-6 * Math.max(scale, 1.0));
      out.add(
          new ParameterExtent(
              specs.get(p),
              nominal[p],
              initialStd,
              offset,
              largestStep.getOrDefault(name, 0.0),
              continuous.getOrDefault(name, false)));
    }
    return out;
  }

  /**
   * Returns the parameters an estimator from {@link #fromScenario} estimates with realism on, as
   * signals for {@code observation.estimate}: each named after the parameter, in its unit, in the
   * model's parameter order (the order of an {@link Estimate}'s parameters), with the range the
   * nominal value plus or minus {@value #ESTIMATE_RANGE_EXTENTS} times the larger of the
   * uncertainty's deviation and the disturbances' largest offset, within the parameter's own range.
   *
   * @param nominal every parameter's value in the scenario, in model order
   * @param episode the episode's duration in model time
   */
  public static List<SignalSpec> estimatedParameterSignals(
      RealismConfig config, List<ParameterSpec> specs, double[] nominal, double episode) {
    List<SignalSpec> out = new java.util.ArrayList<>();
    for (ParameterExtent e : parameterExtents(config, specs, nominal, episode)) {
      double extent =
          ESTIMATE_RANGE_EXTENTS
              * Math.max(e.initialStd(), e.offset() == null ? 0.0 : Math.abs(e.offset()));
      double min = Math.max(e.spec().min(), e.nominal() - extent);
      double max = Math.min(e.spec().max(), e.nominal() + extent);
      out.add(new SignalSpec(e.spec().name(), e.spec().unit(), min, max));
    }
    return out;
  }

  /** The largest absolute offset a disturbance reaches within an episode of {@code duration}. */
  private static double largestOffset(DisturbanceConfig d, double duration) {
    double active = Math.max(0.0, Math.min(d.end(), duration) - d.start());
    double size =
        switch (d.type()) {
          case "step", "sine" -> Math.abs(d.magnitude());
          case "ramp" -> Math.abs(d.rate()) * active;
          case "random_walk" -> d.std() * Math.sqrt(active);
          default -> 0.0;
        };
    return Math.min(size, Math.max(Math.abs(d.min()), Math.abs(d.max())));
  }
}
