package org.safeloop.experiments.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One training of one seed in a child JVM, as {@code safeloop train --jobs N} starts it: the same
 * Java, JVM options and class path as this process, {@code safeloop train CONFIG --seed N
 * --no-progress --run-dir DIR}, its standard output and error in the run's {@code console.log}. A
 * child per training because DJL's PyTorch engine allows one gradient collector per process, so two
 * trainings cannot share a JVM. Used by {@code train} and by sweeps. Thread-safe (stateless).
 */
public final class TrainingProcess {
  /** The child's console, inside its run directory. */
  public static final String CONSOLE = "console.log";

  private TrainingProcess() {}

  /**
   * Returns the command line of a child training with this JVM's Java, options and class path.
   *
   * @param config the experiment file
   * @param seed the training seed
   * @param steps the training budget, or null for the file's
   * @param quick whether the child trains with {@code --quick}
   * @param runDir the exact run directory the child writes
   */
  public static List<String> command(
      Path config, long seed, Long steps, boolean quick, Path runDir) {
    return command(
        ProcessHandle.current().info().command().orElse("java"),
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        System.getProperty("java.class.path"),
        config,
        seed,
        steps,
        quick,
        runDir);
  }

  /**
   * Returns the command line of a child training with the given Java, options and class path (an
   * executor of a cluster passes its own Java and the class path of the SafeLoop installation).
   *
   * @param java the {@code java} executable
   * @param jvmOptions options before the class path, e.g. {@code -Xmx2g}
   * @param classPath a class path holding {@link SafeLoopCommand} and its libraries
   * @param config the experiment file
   * @param seed the training seed
   * @param steps the training budget, or null for the file's
   * @param quick whether the child trains with {@code --quick}
   * @param runDir the exact run directory the child writes
   */
  public static List<String> command(
      String java,
      List<String> jvmOptions,
      String classPath,
      Path config,
      long seed,
      Long steps,
      boolean quick,
      Path runDir) {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classPath);
    command.add(SafeLoopCommand.class.getName());
    command.add("train");
    command.add(config.toString());
    command.add("--seed");
    command.add(Long.toString(seed));
    if (steps != null) {
      command.add("--steps");
      command.add(Long.toString(steps));
    }
    if (quick) {
      command.add("--quick");
    }
    command.add("--no-progress");
    command.add("--run-dir");
    command.add(runDir.toString());
    return command;
  }

  /**
   * Starts {@code command} (from {@link #command}) with its output in {@code runDir/console.log},
   * creating {@code runDir} first.
   *
   * @throws IOException when the folder cannot be made or the process cannot start
   */
  public static Process start(List<String> command, Path runDir) throws IOException {
    Files.createDirectories(runDir);
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(runDir.resolve(CONSOLE).toFile())
        .start();
  }
}
