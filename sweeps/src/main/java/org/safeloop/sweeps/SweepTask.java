package org.safeloop.sweeps;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.safeloop.experiments.cli.TrainingProcess;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;

/**
 * One Spark task: trains one grid point in a child JVM ({@link TrainingProcess}, as {@code safeloop
 * train --jobs} does: DJL allows one gradient collector per process, and an executor runs several
 * tasks at once) into an attempt folder {@code .sweep/attempts/<attempt>/<run>}, and moves the
 * finished run to {@code <output>/<run>} with one atomic rename. A failed or killed attempt leaves
 * nothing beside the runs; Spark retries it under a new attempt folder. Serializable (Spark ships
 * it to executors); stateless.
 */
final class SweepTask implements Function<GridPoint, SweepTask.Outcome> {
  private static final long serialVersionUID = 1L;

  /**
   * Test hook: a comma-separated list of run indexes whose first attempt is killed once its child
   * has started writing (a system property of the executor JVM).
   */
  static final String KILL_FIRST_ATTEMPT = "safeloop.sweep.kill-first-attempt";

  private final String output;
  private final String classPath;
  private final boolean quick;

  /**
   * What one task did.
   *
   * @param run the run directory's name
   * @param status the run's final status ({@code completed}, or {@code failed} when training itself
   *     failed: a finished run, not an error to retry)
   * @param attempt Spark's attempt number of the task that made it, from 0
   * @param seconds the attempt's wall time in seconds
   */
  record Outcome(String run, String status, int attempt, double seconds) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * @param output the sweep's output folder, absolute, on a file system every executor writes
   * @param classPath the class path of the child trainings (the SafeLoop installation's)
   * @param quick whether each run trains as {@code safeloop train --quick}
   */
  SweepTask(Path output, String classPath, boolean quick) {
    this.output = output.toAbsolutePath().toString();
    this.classPath = classPath;
    this.quick = quick;
  }

  @Override
  public Outcome call(GridPoint point) throws Exception {
    long start = System.nanoTime();
    Path folder = Path.of(output);
    Path done = folder.resolve(point.runName());
    TaskContext task = TaskContext.get();
    int attempt = task == null ? 0 : task.attemptNumber();
    if (RunDirectory.isRun(done)) {
      // An earlier attempt renamed its run and was lost before reporting: the run stands.
      return new Outcome(point.runName(), RunDirectory.info(done).status(), attempt, 0);
    }
    String attemptName =
        String.format(
            Locale.ROOT,
            "%d-%d",
            attempt,
            task == null ? ProcessHandle.current().pid() : task.taskAttemptId());
    Path dir = folder.resolve(Sweep.WORK).resolve("attempts").resolve(attemptName);
    Path run = dir.resolve(point.runName());
    List<String> command =
        TrainingProcess.command(
            ProcessHandle.current().info().command().orElse("java"),
            ManagementFactory.getRuntimeMXBean().getInputArguments(),
            classPath,
            Path.of(point.configuration()),
            point.seed(),
            null,
            quick,
            run);
    Process child = TrainingProcess.start(command, run);
    try {
      if (killedForTest(point, attempt)) {
        awaitRunFile(run, child);
        child.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        throw new IllegalStateException(
            "run " + point.index() + " killed on its first attempt (" + KILL_FIRST_ATTEMPT + ")");
      }
      int exit = child.waitFor();
      if (!RunDirectory.isRun(run)) {
        throw new IllegalStateException(
            point.runName()
                + ": the training exited with "
                + exit
                + " before it started; see "
                + run.resolve(TrainingProcess.CONSOLE));
      }
      RunInfo info = RunDirectory.info(run);
      if (info.status().equals("running") || info.status().equals("interrupted")) {
        throw new IllegalStateException(
            point.runName() + ": the training stopped (" + info.status() + ", exit " + exit + ")");
      }
      publish(run, done);
      Files.deleteIfExists(dir); // empty now; a failed attempt's folder stays for its console.log
      return new Outcome(
          point.runName(), info.status(), attempt, (System.nanoTime() - start) / 1e9);
    } finally {
      if (child.isAlive()) {
        // Spark cancelled or killed this task: the child stops with a checkpoint (SIGTERM).
        child.destroy();
        if (!child.waitFor(60, TimeUnit.SECONDS)) {
          child.destroyForcibly();
        }
      }
    }
  }

  /** Moves a finished run to its place with one rename, so a reader never sees half a run. */
  private static void publish(Path run, Path done) throws IOException {
    try {
      Files.move(run, done, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot rename "
              + run
              + " to "
              + done
              + " atomically: keep the sweep's output on one file system",
          e);
    } catch (IOException e) {
      if (!RunDirectory.isRun(done)) {
        throw e;
      }
      // A speculative twin of this task published first; its run stands, this copy goes.
      deleteTree(run);
    }
  }

  private static boolean killedForTest(GridPoint point, int attempt) {
    String list = System.getProperty(KILL_FIRST_ATTEMPT, "");
    return attempt == 0 && List.of(list.split(",")).contains(Integer.toString(point.index()));
  }

  /** Waits (bounded) until the child has written its run.json: it is then mid-run. */
  private static void awaitRunFile(Path run, Process child) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!RunDirectory.isRun(run) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
