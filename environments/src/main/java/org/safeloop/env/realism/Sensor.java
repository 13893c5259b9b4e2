package org.safeloop.env.realism;

import java.util.Objects;
import java.util.SplittableRandom;
import org.safeloop.env.Quality;

/**
 * A simulated instrument: turns the true value of one signal into the {@link Reading} a controller
 * would see, once per control step.
 *
 * <p>Effects apply in this order: true value, plus bias and drift, plus noise, then saturation at
 * the instrument range (UNCERTAIN), quantisation, stuck (the last reported value repeated with GOOD
 * quality, as a frozen transmitter looks healthy) and dropout (NaN, BAD). A freeze holds the last
 * value the transmitter produced: a dropout loses a value on its way to the controller but does not
 * change what the transmitter shows. The k-th measurement after {@link #reset} (k = 0, 1, ...) is
 * taken {@code k * dt} after reset, when the drift is {@code driftRate * k * dt} plus a random walk
 * started at zero. A true value that is NaN or infinite gives a BAD reading; it still advances
 * every effect, so it shifts no random stream.
 *
 * <p>Each effect draws from its own split of the generator given to {@link #reset}, and draws
 * nothing when disabled. {@link #measure} allocates nothing but the returned reading. Not
 * thread-safe: one instance serves one signal of one environment.
 */
public final class Sensor {
  private static final Reading BAD = new Reading(Double.NaN, Quality.BAD);

  private final SensorConfig config;
  private final double bias;
  private final double driftPerSample;
  private final double walkStepStd;
  private final double noiseStd;
  private final double rangeMin;
  private final double rangeMax;
  private final double quantum;
  private final double gridOrigin;
  private final double stuckProbability;
  private final int stuckSteps;
  private final double dropoutProbability;

  private SplittableRandom driftRandom;
  private SplittableRandom noiseRandom;
  private SplittableRandom stuckRandom;
  private SplittableRandom dropoutRandom;
  private boolean ready;
  private long sampleIndex;
  private double walk;
  private int stuckRemaining;
  private double lastReported;

  /**
   * Builds a sensor; call {@link #reset} before the first measurement.
   *
   * @param config the instrument's imperfections
   * @param dt control interval between measurements, in the model's time unit; positive
   * @throws IllegalArgumentException when {@code dt} is not a positive finite number
   */
  public Sensor(SensorConfig config, double dt) {
    this.config = Objects.requireNonNull(config, "config");
    if (!(dt > 0.0) || !Double.isFinite(dt)) {
      throw new IllegalArgumentException("control interval dt must be positive, got " + dt);
    }
    this.bias = config.bias();
    this.driftPerSample = config.driftRate() * dt;
    this.walkStepStd = config.driftRandomWalk() * Math.sqrt(dt);
    this.noiseStd = config.noiseStd();
    this.rangeMin = config.rangeMin();
    this.rangeMax = config.rangeMax();
    this.quantum = config.quantization();
    this.gridOrigin = Double.isFinite(rangeMin) ? rangeMin : 0.0;
    this.stuckProbability = config.stuckProbability();
    this.stuckSteps = config.stuckSteps();
    this.dropoutProbability = config.dropoutProbability();
  }

  /** Returns the configuration this sensor was built from. */
  public SensorConfig config() {
    return config;
  }

  /**
   * Starts a new episode: drift back to zero, no freeze in progress, and fresh random streams.
   * Takes four splits of {@code random} whatever the configuration, so the caller's generator
   * advances the same amount for every sensor.
   *
   * @param random the episode's generator; not retained
   */
  public void reset(SplittableRandom random) {
    Objects.requireNonNull(random, "random");
    driftRandom = random.split();
    noiseRandom = random.split();
    stuckRandom = random.split();
    dropoutRandom = random.split();
    sampleIndex = 0;
    walk = 0.0;
    stuckRemaining = 0;
    lastReported = Double.NaN;
    ready = true;
  }

  /**
   * Measures the true value at the next sample time.
   *
   * @param trueValue the process value in engineering units
   * @return the reported value and its quality
   * @throws IllegalStateException before the first {@link #reset}
   */
  public Reading measure(double trueValue) {
    if (!ready) {
      throw new IllegalStateException("sensor measured before reset");
    }
    double value = trueValue + bias + driftPerSample * sampleIndex + walk;
    sampleIndex++;
    if (walkStepStd > 0.0) {
      walk += walkStepStd * driftRandom.nextGaussian();
    }
    if (noiseStd > 0.0) {
      value += noiseStd * noiseRandom.nextGaussian();
    }
    Quality quality = Quality.GOOD;
    if (value >= rangeMax) {
      value = rangeMax;
      quality = Quality.UNCERTAIN;
    } else if (value <= rangeMin) {
      value = rangeMin;
      quality = Quality.UNCERTAIN;
    }
    if (quantum > 0.0) {
      value = quantize(value);
    }
    if (stuckProbability > 0.0) {
      boolean frozen;
      if (stuckRemaining > 0) {
        stuckRemaining--;
        frozen = true;
      } else if (stuckRandom.nextDouble() < stuckProbability) {
        stuckRemaining = stuckSteps - 1;
        frozen = true;
      } else {
        frozen = false;
      }
      if (frozen) {
        if (Double.isNaN(lastReported) && Double.isFinite(trueValue)) {
          lastReported = value; // a freeze on the first sample holds that sample
        }
        value = lastReported;
        quality = Quality.GOOD;
      } else if (Double.isFinite(trueValue)) {
        lastReported = value;
      }
    }
    if (dropoutProbability > 0.0 && dropoutRandom.nextDouble() < dropoutProbability) {
      return BAD;
    }
    if (!Double.isFinite(trueValue)) {
      return BAD;
    }
    return new Reading(value, quality);
  }

  private double quantize(double value) {
    double q = gridOrigin + Math.rint((value - gridOrigin) / quantum) * quantum;
    // Rounding can step past the top of the range; the instrument shows its highest code instead.
    return q > rangeMax ? q - quantum : q;
  }
}
