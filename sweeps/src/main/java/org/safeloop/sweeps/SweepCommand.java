package org.safeloop.sweeps;

import java.io.File;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.safeloop.experiments.run.RunDirectory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code safeloop sweep}: trains every point of a sweep file on Apache Spark, one task per run,
 * each run a run directory as {@code safeloop train} makes it, under the sweep's output folder.
 */
@Command(
    name = "sweep",
    mixinStandardHelpOptions = true,
    description = {
      "Train a grid (or a seeded random sample) of an experiment on Apache Spark.",
      "One Spark task per run; each trains in a child JVM and leaves one run directory."
    })
final class SweepCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SWEEP", description = "Sweep file (YAML).")
  Path file;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = {
        "Spark master: local[*] in this process (the default), local[N], spark://HOST:PORT,"
            + " k8s://..., yarn.",
        "Under spark-submit, its --master."
      })
  String master;

  @Option(
      names = "--quick",
      description = "Smoke runs, as safeloop train --quick: a small budget, 3 evaluation episodes.")
  boolean quick;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DIR",
      description = "Folder for the run directories (default: the sweep file's output).")
  Path output;

  /**
   * System property naming the class path of the child trainings, e.g. {@code safeloop.jar} of the
   * installation (the launcher sets it): a training needs none of Spark's 120 jars, and a JVM that
   * opens fewer of them starts faster.
   */
  static final String CHILD_CLASS_PATH = "safeloop.sweep.classpath";

  /**
   * The class path of the child trainings: {@value #CHILD_CLASS_PATH} when set, else the sweeps jar
   * itself when running from one (its manifest names its libraries, so this holds under
   * spark-submit too, whose class loader this JVM's class path does not show), else this JVM's
   * class path with absolute entries.
   */
  static String childClassPath() {
    String given = System.getProperty(CHILD_CLASS_PATH, "");
    if (!given.isBlank()) {
      return given;
    }
    try {
      Path code =
          Path.of(SweepMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(code) && code.toString().endsWith(".jar")) {
        return code.toAbsolutePath().toString();
      }
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      // no code source to go by: this JVM's class path below
    }
    return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.isEmpty())
        .map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** {@code --master}, else spark-submit's master (a system property), else {@code local[*]}. */
  private String masterUrl() {
    if (master != null) {
      return master;
    }
    return System.getProperty("spark.master", "local[*]");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    String master = masterUrl();
    Sweep sweep = Sweep.load(file, output);
    RunDirectory.requireWritableFolder(
        sweep.output(), output != null ? "--output" : file + ": field 'output':");
    out.printf(
        Locale.ROOT,
        "sweep %s: %d runs on %s into %s%n",
        file,
        sweep.size(),
        master,
        sweep.output());
    out.flush();
    SparkSweep.Result result = SparkSweep.run(sweep, master, childClassPath(), quick);
    for (SweepTask.Outcome o : result.outcomes()) {
      out.printf(
          Locale.ROOT,
          "%s: %s%s%n",
          sweep.output().resolve(o.run()),
          o.status(),
          o.attempt() > 0 ? " (attempt " + (o.attempt() + 1) + ")" : "");
    }
    out.printf(
        Locale.ROOT,
        "%d runs in %.1f s (Spark started in %.1f s)%n",
        result.outcomes().size(),
        result.seconds(),
        result.startupSeconds());
    out.flush();
    return result.allCompleted() ? 0 : 1;
  }
}
