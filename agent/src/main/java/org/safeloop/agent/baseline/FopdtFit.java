package org.safeloop.agent.baseline;

/**
 * A FOPDT model identified from a step response, with the quality of the fit. Immutable and
 * thread-safe.
 *
 * @param model the least-squares fit, the one to tune with
 * @param twoPointEstimate the 28.3 % / 63.2 % two-point estimate the fit started from (kept for
 *     comparison: it uses two interpolated points of the curve, the fit uses all samples)
 * @param relativeRmsResidual root-mean-square difference between the samples and the fitted model's
 *     response, as a fraction of the total change of the process variable: about 0 for a true FOPDT
 *     process, a few per cent when a higher-order or nonlinear process is squeezed into a FOPDT
 * @param response the step response the model was fitted to
 */
public record FopdtFit(
    Fopdt model, Fopdt twoPointEstimate, double relativeRmsResidual, StepResponse response) {}
