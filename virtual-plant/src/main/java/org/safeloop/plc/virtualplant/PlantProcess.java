package org.safeloop.plc.virtualplant;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.virtualplant.opcua.PlantOpcUaServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process behind the PLC: the scenario's environment advanced one control interval at a time
 * with the setpoints in force, restarted from its initial state with the next seed when its run
 * ends, and the observation tags it updates, with the sensor faults injected into them. {@link
 * VirtualPlant} describes the behaviour.
 *
 * <p>Not thread-safe: the {@link VirtualPlant}'s monitor guards it.
 */
final class PlantProcess {
  private static final Logger LOG = LoggerFactory.getLogger(VirtualPlant.class);
  private static final long GOOD = PlantOpcUaServer.GOOD;

  private final ProcessEnvironment environment;
  private final long seed;
  private final String plantName;
  private final TagState[] observations;
  private final PlantServers servers;
  private final Map<Integer, SensorFault> faults = new HashMap<>();
  private final double[] frozen;

  private boolean running;
  private long lap;
  private long steps;

  /**
   * Creates the environment (not yet reset).
   *
   * @param scenario the scenario whose environment runs
   * @param realism whether sensor and disturbance realism is on
   * @param seed the seed of the first run; run {@code k} uses {@code seed + k}
   * @param plantName for log messages
   * @param observations the observation tags, in the scenario's plant-observation order
   * @param servers where the observation tags are shown
   */
  PlantProcess(
      Scenario scenario,
      boolean realism,
      long seed,
      String plantName,
      TagState[] observations,
      PlantServers servers) {
    this.environment = scenario.createEnvironment(realism, null);
    this.seed = seed;
    this.plantName = plantName;
    this.observations = observations;
    this.servers = servers;
    this.frozen = new double[observations.length];
  }

  /** Resets the process to its initial state with the first seed and shows what it measures. */
  void start(Instant now) {
    Observation first = environment.reset(seed);
    running = true;
    updateObservations(first, now);
  }

  /**
   * Advances one control interval with {@code input} (restarting first if the last run ended) and
   * updates the observation tags.
   */
  StepResult step(double[] input, Instant now) {
    if (!running) {
      lap++;
      environment.reset(seed + lap);
      LOG.info(
          "virtual plant {}: process restarted from its initial state (lap {})", plantName, lap);
    }
    StepResult result = environment.step(input);
    running = !result.done();
    if (result.terminated()) {
      LOG.warn("virtual plant {}: the process left the model's domain; it restarts", plantName);
    }
    steps++;
    updateObservations(result.observation(), now);
    return result;
  }

  private void updateObservations(Observation observation, Instant now) {
    for (int i = 0; i < observations.length; i++) {
      TagState s = observations[i];
      SensorFault fault = faults.get(i);
      if (fault == SensorFault.STALE) {
        continue;
      }
      if (fault == null) {
        // Float32 is what the Modbus registers hold; OPC UA shows the very same number.
        s.value = (float) observation.value(i);
        Quality quality = observation.quality(i);
        s.status =
            quality == Quality.GOOD
                ? GOOD
                : quality == Quality.UNCERTAIN ? VirtualPlant.UNCERTAIN : VirtualPlant.BAD;
      } else if (fault == SensorFault.BAD) {
        s.status = VirtualPlant.BAD;
      } else if (fault == SensorFault.NAN) {
        s.value = Double.NaN;
        s.status = GOOD;
      } else {
        s.value = frozen[i];
        s.status = GOOD;
      }
      s.time = now;
      servers.showReadOnly(s);
    }
  }

  /** Injects a fault into observation {@code i}, in force at once (see {@link SensorFault}). */
  void sensorFault(int i, SensorFault kind, Instant now) {
    TagState s = observations[i];
    faults.put(i, kind);
    frozen[i] = s.value;
    switch (kind) {
      case BAD -> {
        s.status = VirtualPlant.BAD;
        s.time = now;
        servers.showReadOnly(s);
      }
      case NAN -> {
        s.value = Double.NaN;
        s.status = GOOD;
        s.time = now;
        servers.showReadOnly(s);
      }
      default -> {
        // FROZEN and STALE keep what the tags show now.
      }
    }
  }

  /** The sensor faults in force, by observation index; a copy. */
  Map<Integer, SensorFault> faults() {
    return new HashMap<>(faults);
  }

  /** Removes every sensor fault; the observations are true again from the next step. */
  void clearFaults() {
    faults.clear();
  }

  /** The true process state, a copy. */
  double[] state() {
    return environment.state();
  }

  /** Control intervals advanced so far. */
  long steps() {
    return steps;
  }
}
