/**
 * Reinforcement-learning agents (PPO-Lag, SAC-Lag on DJL), the NMPC oracle, PID tuning rules,
 * policy bundles and a pure-Java inference path for deployment. Built in the agent issue.
 */
package org.safeloop.agent;
