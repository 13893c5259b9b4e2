package org.safeloop.sweeps;

import java.io.Serializable;
import java.util.Map;

/**
 * One run of a sweep, as a Spark task receives it: which configuration file, which seed, and the
 * run directory it must leave under the sweep's output folder.
 *
 * @param index position of the run in the sweep, from 0
 * @param configuration the experiment file of this point's configuration (absolute)
 * @param scenario the scenario's name
 * @param algorithm the algorithm's name
 * @param hyperparameters the varied hyper-parameters and their values here (empty without such an
 *     axis)
 * @param seed the training seed
 * @param runName the name of the run directory, as {@code safeloop train} names it
 */
record GridPoint(
    int index,
    String configuration,
    String scenario,
    String algorithm,
    Map<String, Object> hyperparameters,
    long seed,
    String runName)
    implements Serializable {
  private static final long serialVersionUID = 1L;
}
