package org.safeloop.sweeps;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs a {@link Sweep} on Apache Spark: one task per run, in-process on {@code local[*]} by default
 * or on a cluster by master URL. Spark schedules and retries; each task trains in a child JVM (see
 * {@link SweepTask}). Not thread-safe: one sweep at a time per JVM (Spark allows one context).
 */
public final class SparkSweep {
  /**
   * Attempts of a task before the sweep fails, as Spark's {@code spark.task.maxFailures} defaults
   * on a cluster; local masters get it through {@code local[N,4]}, since Spark in local mode
   * otherwise never retries.
   */
  public static final int MAX_ATTEMPTS = 4;

  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)])?");

  /**
   * What a sweep did.
   *
   * @param outcomes each run's outcome, in sweep order
   * @param startupSeconds time to start Spark (the context), in seconds
   * @param seconds wall time of the whole sweep with start-up, in seconds
   */
  public record Result(List<SweepTask.Outcome> outcomes, double startupSeconds, double seconds) {
    /** Returns true when every run completed. */
    public boolean allCompleted() {
      return outcomes.stream().allMatch(o -> o.status().equals("completed"));
    }
  }

  private SparkSweep() {}

  /**
   * Returns the master URL Spark is given: a local master without a failure count gets {@link
   * #MAX_ATTEMPTS}, others stay as they are.
   */
  static String withRetries(String master) {
    Matcher m = LOCAL.matcher(master);
    if (!m.matches()) {
      return master;
    }
    return "local[" + (m.group(1) == null ? "1" : m.group(1)) + "," + MAX_ATTEMPTS + "]";
  }

  /**
   * Runs every point of {@code sweep} on {@code master} and waits for the last.
   *
   * @param sweep the loaded sweep
   * @param master Spark's master URL, e.g. {@code local[*]} or {@code spark://host:7077}
   * @param classPath class path of the child trainings: a SafeLoop installation at the same path on
   *     every executor
   * @param quick whether each run trains as {@code safeloop train --quick} (a smoke run)
   * @throws org.apache.spark.SparkException (unchecked by Spark's Java API) when a run fails {@link
   *     #MAX_ATTEMPTS} times
   */
  public static Result run(Sweep sweep, String master, String classPath, boolean quick) {
    long start = System.nanoTime();
    Path output = sweep.output().toAbsolutePath();
    List<GridPoint> points = sweep.points(Instant.now());
    sweep.writePlan(points);
    SparkConf conf =
        new SparkConf()
            .setAppName("safeloop sweep " + sweep.file().getFileName())
            .setMaster(withRetries(master))
            .set("spark.ui.enabled", "false")
            .set("spark.task.maxFailures", Integer.toString(MAX_ATTEMPTS));
    if (master.startsWith("local")) {
      // In-process: nothing leaves the loopback interface, whatever the host name resolves to.
      conf.set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
    }
    try (JavaSparkContext spark = new JavaSparkContext(conf)) {
      spark.setLogLevel("WARN");
      double startup = (System.nanoTime() - start) / 1e9;
      List<SweepTask.Outcome> outcomes =
          spark
              .parallelize(points, Math.max(1, points.size()))
              .map(new SweepTask(output, classPath, quick))
              .collect();
      return new Result(outcomes, startup, (System.nanoTime() - start) / 1e9);
    }
  }
}
