package org.safeloop.sweeps;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.experiments.config.Algorithm;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.run.RunDirectory;

/**
 * A resolved sweep: the experiment file, every configuration of the grid (or of its random sample)
 * as a checked experiment, and the runs to make. Loading checks every configuration as {@code
 * safeloop train} would, so a bad sweep fails before Spark starts or a folder is made. Immutable.
 */
public final class Sweep {
  /** Where a sweep keeps its configuration files and attempts, inside its output folder. */
  public static final String WORK = ".sweep";

  /** The index of a sweep's runs and their varied values, in its output folder. */
  public static final String INDEX = "sweep.csv";

  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .build());

  private final Path file;
  private final Path output;
  private final List<Configuration> configurations;
  private final List<Long> seeds;
  private final List<String> varied;

  /**
   * One configuration of the grid: an experiment file's text with the axes' values in it.
   *
   * @param label the varied values, e.g. {@code scenario=fopdt learning_rate=0.001}
   * @param scenario the scenario's name
   * @param algorithm the algorithm's name
   * @param hyperparameters the varied hyper-parameters' values
   * @param yaml the experiment file of this configuration
   */
  record Configuration(
      String label,
      String scenario,
      String algorithm,
      Map<String, Object> hyperparameters,
      String yaml) {}

  private Sweep(
      Path file,
      Path output,
      List<Configuration> configurations,
      List<Long> seeds,
      List<String> varied) {
    this.file = file;
    this.output = output;
    this.configurations = List.copyOf(configurations);
    this.seeds = List.copyOf(seeds);
    this.varied = List.copyOf(varied);
  }

  /**
   * Loads and checks a sweep file and every configuration it makes.
   *
   * @param file the sweep file
   * @param output the output folder, or null for the file's
   * @throws ConfigException naming the file (the sweep's, or the experiment's for a problem of the
   *     experiment itself), the line and the key of the first problem
   */
  public static Sweep load(Path file, Path output) {
    YamlConfig.Document<SweepSpec> doc = YamlConfig.readDocument(file, SweepSpec.class);
    SweepSpec spec = doc.value();
    Path dir = file.toAbsolutePath().getParent();
    Path experimentFile = dir.resolve(spec.experiment()).normalize();
    if (!Files.isRegularFile(experimentFile)) {
      throw doc.error("experiment", "no experiment file " + experimentFile);
    }
    Experiment base = Experiment.load(experimentFile);
    ObjectNode tree = readTree(experimentFile);

    List<String> scenarios =
        spec.scenarios() == null
            ? List.of(base.spec().scenario())
            : spec.scenarios().stream().map(s -> source(s, dir)).toList();
    List<String> algorithms =
        spec.algorithms() == null ? List.of(base.spec().algorithm()) : spec.algorithms();
    for (int i = 0; i < algorithms.size(); i++) {
      if (!Algorithm.NAMES.contains(algorithms.get(i))) {
        throw doc.error(
            "algorithms[" + i + "]",
            "unknown algorithm '" + algorithms.get(i) + "'; choose one of " + Algorithm.NAMES);
      }
    }
    List<Long> seeds = spec.seeds() == null ? base.spec().seeds() : spec.seeds();
    List<Map<String, Object>> settings = hyperparameterGrid(spec.hyperparameters());

    // The grid in a fixed order: scenario, then algorithm, then hyper-parameters.
    List<int[]> grid = new ArrayList<>();
    for (int s = 0; s < scenarios.size(); s++) {
      for (int a = 0; a < algorithms.size(); a++) {
        for (int h = 0; h < settings.size(); h++) {
          grid.add(new int[] {s, a, h});
        }
      }
    }
    List<int[]> chosen = grid;
    if (spec.random() != null) {
      if (spec.random().samples() > grid.size()) {
        throw doc.error(
            "random.samples",
            "the grid has "
                + grid.size()
                + " configurations; draw at most that many, got "
                + spec.random().samples());
      }
      List<Integer> order = new ArrayList<>(IntStream.range(0, grid.size()).boxed().toList());
      Collections.shuffle(order, new Random(spec.random().seed()));
      chosen = order.subList(0, spec.random().samples()).stream().sorted().map(grid::get).toList();
    }
    long runs = (long) chosen.size() * seeds.size();
    if (runs > SweepSpec.MAX_RUNS) {
      throw doc.error(
          spec.random() != null ? "random.samples" : "",
          "the sweep makes "
              + runs
              + " runs ("
              + chosen.size()
              + " configurations x "
              + seeds.size()
              + " seeds); at most "
              + SweepSpec.MAX_RUNS);
    }

    List<String> varied = new ArrayList<>();
    if (spec.scenarios() != null) {
      varied.add("scenario");
    }
    if (spec.algorithms() != null) {
      varied.add("algorithm");
    }
    varied.addAll(spec.hyperparameters().keySet());

    List<Configuration> configurations = new ArrayList<>();
    for (int[] point : chosen) {
      String scenario = scenarios.get(point[0]);
      String algorithm = algorithms.get(point[1]);
      Map<String, Object> setting = settings.get(point[2]);
      ObjectNode t = tree.deepCopy();
      t.put("scenario", scenario);
      t.put("algorithm", algorithm);
      if (base.spec().shield() != null) {
        t.put("shield", base.spec().shield()); // resolved: the file may sit elsewhere
      }
      ObjectNode hp =
          t.get("hyperparameters") instanceof ObjectNode o ? o : t.putObject("hyperparameters");
      setting.forEach((k, v) -> hp.set(k, YAML.valueToTree(v)));
      if (hp.isEmpty()) {
        t.remove("hyperparameters");
      }
      t.set("seeds", YAML.valueToTree(seeds));
      t.remove("output");
      String yaml = toYaml(t);
      String label = label(spec, scenario, algorithm, setting);
      Experiment e;
      try {
        e = Experiment.parse(yaml, doc.source() + " (" + label + ")");
      } catch (ConfigException problem) {
        throw blame(doc, spec, problem, scenarios.indexOf(scenario), algorithms.indexOf(algorithm));
      }
      configurations.add(
          new Configuration(label, e.scenario().name(), e.spec().algorithm(), setting, yaml));
    }
    Path folder =
        output != null
            ? output
            : spec.output() != null
                ? Path.of(spec.output())
                : Path.of("runs", file.getFileName().toString().replaceAll("\\.ya?ml$", ""));
    Sweep sweep = new Sweep(file, folder, configurations, seeds, varied);
    sweep.requireDistinctRuns(doc);
    return sweep;
  }

  /** Each run's directory name must be its own: two scenario files of one name would collide. */
  private void requireDistinctRuns(YamlConfig.Document<SweepSpec> doc) {
    Set<String> names = new HashSet<>();
    for (GridPoint p : points(Instant.EPOCH)) {
      if (!names.add(p.runName())) {
        throw doc.error(
            "scenarios",
            "two configurations make the run directory "
                + p.runName()
                + ": give scenarios of different names");
      }
    }
  }

  /** Blames the axis value that made a configuration fail, on the sweep file's line. */
  private static ConfigException blame(
      YamlConfig.Document<SweepSpec> doc,
      SweepSpec spec,
      ConfigException problem,
      int scenario,
      int algorithm) {
    String field = problem.field();
    if (field.startsWith("hyperparameters.")) {
      String key = field.substring("hyperparameters.".length()).replaceAll("[.\\[].*$", "");
      if (spec.hyperparameters().containsKey(key)) {
        return doc.error("hyperparameters." + key, problem.problem());
      }
      if (spec.algorithms() != null) {
        return doc.error(
            "algorithms[" + algorithm + "]",
            "the experiment's " + field + " does not fit this algorithm: " + problem.problem());
      }
    }
    if (field.equals("scenario") && spec.scenarios() != null) {
      return doc.error("scenarios[" + scenario + "]", problem.problem());
    }
    if (field.equals("algorithm") && spec.algorithms() != null) {
      return doc.error("algorithms[" + algorithm + "]", problem.problem());
    }
    String axis =
        spec.scenarios() != null
            ? "scenarios[" + scenario + "]"
            : spec.algorithms() != null ? "algorithms[" + algorithm + "]" : "experiment";
    return doc.error(axis, "the configuration does not load: " + problem.getMessage());
  }

  /** Every combination of the hyper-parameter axes, in the file's order; one empty without axes. */
  private static List<Map<String, Object>> hyperparameterGrid(Map<String, List<Object>> axes) {
    List<Map<String, Object>> grid = new ArrayList<>();
    grid.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<Object>> axis : axes.entrySet()) {
      List<Map<String, Object>> next = new ArrayList<>();
      for (Map<String, Object> partial : grid) {
        for (Object value : axis.getValue()) {
          Map<String, Object> m = new LinkedHashMap<>(partial);
          m.put(axis.getKey(), value);
          next.add(m);
        }
      }
      grid = next;
    }
    return grid;
  }

  private static String label(
      SweepSpec spec, String scenario, String algorithm, Map<String, Object> setting) {
    List<String> parts = new ArrayList<>();
    if (spec.scenarios() != null) {
      parts.add("scenario=" + scenario.replaceAll("^.*/", ""));
    }
    if (spec.algorithms() != null) {
      parts.add("algorithm=" + algorithm);
    }
    setting.forEach((k, v) -> parts.add(k + "=" + v));
    return parts.isEmpty() ? "the experiment" : String.join(" ", parts);
  }

  /** A built-in name stays a name; a file name resolves against the sweep file's folder. */
  private static String source(String nameOrPath, Path dir) {
    boolean isFile = nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml");
    return isFile ? dir.resolve(nameOrPath).normalize().toString() : nameOrPath;
  }

  private static ObjectNode readTree(Path experimentFile) {
    try {
      JsonNode node = YAML.readTree(experimentFile.toFile());
      return (ObjectNode) node; // Experiment.load has checked that it is a mapping
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + experimentFile, e);
    }
  }

  private static String toYaml(JsonNode node) {
    try {
      return YAML.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a configuration as YAML", e);
    }
  }

  /** Returns the sweep file. */
  public Path file() {
    return file;
  }

  /** Returns the output folder (relative to the working directory unless absolute). */
  public Path output() {
    return output;
  }

  /** Returns the configurations, in grid order. */
  List<Configuration> configurations() {
    return configurations;
  }

  /** Returns the names of the varied axes: scenario, algorithm, hyper-parameter names. */
  public List<String> varied() {
    return varied;
  }

  /** Returns the number of runs: configurations times seeds. */
  public int size() {
    return configurations.size() * seeds.size();
  }

  /** The configuration file of configuration {@code k} in {@code output}'s work folder. */
  static Path configurationFile(Path output, int k) {
    return output
        .toAbsolutePath()
        .resolve(WORK)
        .resolve("configurations")
        .resolve(String.format(Locale.ROOT, "c%04d.yaml", k));
  }

  /**
   * Returns the runs, configuration by configuration and seed by seed, named with {@code started}
   * as {@code safeloop train} names its runs; with hyper-parameter axes each name ends in {@code
   * __c<configuration>} so that two settings of one scenario, algorithm and seed stay apart.
   */
  List<GridPoint> points(Instant started) {
    boolean suffix = varied.stream().anyMatch(v -> !v.equals("scenario") && !v.equals("algorithm"));
    List<GridPoint> points = new ArrayList<>();
    for (int k = 0; k < configurations.size(); k++) {
      Configuration c = configurations.get(k);
      for (long seed : seeds) {
        String name =
            RunDirectory.name(c.scenario(), c.algorithm(), seed, started)
                + (suffix ? String.format(Locale.ROOT, "__c%04d", k) : "");
        points.add(
            new GridPoint(
                points.size(),
                configurationFile(output, k).toString(),
                c.scenario(),
                c.algorithm(),
                new LinkedHashMap<>(c.hyperparameters()),
                seed,
                name));
      }
    }
    return points;
  }

  /**
   * Writes each configuration's experiment file into the output folder's work folder and the index
   * {@code sweep.csv} (run, scenario, algorithm, seed, each varied hyper-parameter), so that every
   * executor finds its file and a reader sees which values made which run.
   *
   * @throws UncheckedIOException when the folder cannot be written
   */
  void writePlan(List<GridPoint> points) {
    try {
      for (int k = 0; k < configurations.size(); k++) {
        Path f = configurationFile(output, k);
        Files.createDirectories(f.getParent());
        Files.writeString(f, configurations.get(k).yaml());
      }
      List<String> hp =
          varied.stream().filter(v -> !v.equals("scenario") && !v.equals("algorithm")).toList();
      StringBuilder csv = new StringBuilder("run,scenario,algorithm,seed");
      hp.forEach(h -> csv.append(',').append(h));
      csv.append('\n');
      for (GridPoint p : points) {
        csv.append(p.runName())
            .append(',')
            .append(p.scenario())
            .append(',')
            .append(p.algorithm())
            .append(',')
            .append(p.seed());
        for (String h : hp) {
          csv.append(',').append(csvCell(String.valueOf(p.hyperparameters().get(h))));
        }
        csv.append('\n');
      }
      Path index = output.resolve(INDEX);
      Files.writeString(index, csv);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sweep's plan into " + output, e);
    }
  }

  private static String csvCell(String text) {
    return text.contains(",") || text.contains("\"")
        ? "\"" + text.replace("\"", "\"\"") + "\""
        : text;
  }

  @Override
  public String toString() {
    return configurations.stream().map(Configuration::label).collect(Collectors.joining("; "));
  }
}
