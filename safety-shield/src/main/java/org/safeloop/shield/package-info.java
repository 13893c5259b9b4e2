/**
 * The safety shield: a supervisory (BPCS-level) safeguard that checks every action a policy
 * proposes against input validity, hard limits, rate limits and model-predicted state constraints,
 * repairs or replaces it, and records each decision. It never replaces a plant's trips or safety
 * instrumented systems. Built in the safety-shield issue.
 */
package org.safeloop.shield;
