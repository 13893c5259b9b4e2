package org.safeloop.plc.web;

import java.util.List;
import java.util.Objects;

/**
 * What a deployment's page draws, fixed for the deployment's life: the plant, the policy, the
 * shield, the signals with their units and ranges, and the state constraints' bounds that trends
 * are drawn against.
 *
 * @param plant the plant file's name
 * @param protocol {@code modbus} or {@code opcua}
 * @param cyclePeriodMillis the control cycle, wall time
 * @param timeScale process time per wall time
 * @param policy how the policy is named, e.g. {@code policy bundle ppo.bundle}
 * @param shield the shield's name
 * @param observations the signals the policy reads, in its order
 * @param actions the set points it proposes, in its order, with their hard limits
 * @param limits the shield's state constraints
 */
public record ViewLayout(
    String plant,
    String protocol,
    long cyclePeriodMillis,
    double timeScale,
    String policy,
    String shield,
    List<Signal> observations,
    List<Signal> actions,
    List<Limit> limits) {

  /**
   * One signal.
   *
   * @param name its name in the audit log's inputs or actions
   * @param unit its unit, e.g. {@code K}
   * @param min the low end of its range
   * @param max the high end of its range
   */
  public record Signal(String name, String unit, double min, double max) {}

  /**
   * One state constraint: {@code min <= variable <= max}.
   *
   * @param name the constraint's name, e.g. {@code T_high}
   * @param variable the signal it bounds
   * @param min the lower bound, or null
   * @param max the upper bound, or null
   */
  public record Limit(String name, String variable, Double min, Double max) {}

  /** Copies the lists. */
  public ViewLayout {
    Objects.requireNonNull(plant, "plant");
    observations = List.copyOf(observations);
    actions = List.copyOf(actions);
    limits = List.copyOf(limits);
  }
}
