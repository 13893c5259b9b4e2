package org.safeloop.agent.baseline;

import org.safeloop.env.control.PidConfig;

/**
 * The outcome of tuning one loop from a step test. Immutable and thread-safe.
 *
 * @param identification the FOPDT identified from the step test, with its fit quality
 * @param tuningModel the model the rule was applied to: the identified one with the sampling delay
 *     added (half a control interval) when tuning for the scenario's sampled loop
 * @param rule the tuning rule
 * @param closedLoopTimeConstant tauc (lambda) used, in the model's time unit
 * @param config the resulting PI tuning
 */
public record LoopTuning(
    FopdtFit identification,
    Fopdt tuningModel,
    PiTuningRule rule,
    double closedLoopTimeConstant,
    PidConfig config) {}
