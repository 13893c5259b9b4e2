/**
 * Baseline controllers to compare learned policies against: PI loops tuned by the SIMC or Lambda
 * rule from a step test on the scenario's model ({@link org.safeloop.agent.baseline.PiTuner}), and
 * an NMPC oracle with the nominal model and perfect preview ({@link
 * org.safeloop.agent.baseline.NmpcOracle}) that bounds what any controller can earn.
 */
package org.safeloop.agent.baseline;
