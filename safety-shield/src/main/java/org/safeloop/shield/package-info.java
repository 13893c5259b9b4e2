/**
 * The safety shield: a supervisory (BPCS-level) safeguard that checks every action a policy
 * proposes against input validity, hard limits, rate limits and model-predicted state constraints,
 * repairs or replaces it, and records each decision. It never replaces a plant's trips or safety
 * instrumented systems. Start at {@link org.safeloop.shield.SafetyShield} and {@link
 * org.safeloop.shield.Shields}; constraint files map onto the records of {@code
 * org.safeloop.shield.constraint}.
 */
package org.safeloop.shield;
