package org.safeloop.experiments.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.agent.DjlAgent;
import org.safeloop.agent.ppo.PpoConfig;
import org.safeloop.agent.sac.SacConfig;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.env.control.ResidualEnvironment;
import org.safeloop.env.scenario.PotentialShaping;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.policy.BundlePolicies;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.AdmissibleActionEnvironment;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldedEnvironment;
import org.safeloop.shield.Shields;

/**
 * A resolved experiment: the file's {@link ExperimentSpec} with its scenario loaded, its shield
 * checked, its hyper-parameters merged onto the algorithm's defaults, and the hashes that identify
 * it in run directories and reports. Loading checks everything a run would need, so a bad file
 * fails before any run directory exists. Immutable; the environments and agents it creates are new
 * each time.
 */
public final class Experiment {
  /** Binds hyper-parameters as strictly as the file itself: epochs: 2.7 is not 2. */
  private static final ObjectMapper JSON = YamlConfig.strict(JsonMapper.builder()).build();

  private static final ObjectMapper YAML =
      new ObjectMapper(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .build())
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  private final ExperimentSpec spec;
  private final Algorithm algorithm;
  private final Scenario scenario;
  private final Object algorithmConfig;
  private final String scenarioHash;
  private final String shieldHash;
  private final String configHash;

  private Experiment(ExperimentSpec spec, Scenario scenario, Object algorithmConfig) {
    this.spec = spec;
    this.algorithm = Algorithm.of(spec.algorithm());
    this.scenario = scenario;
    this.algorithmConfig = algorithmConfig;
    this.scenarioHash = PolicyBundles.sha256(Sources.bytes(spec.scenario(), ".yaml"));
    this.shieldHash =
        spec.shield() == null
            ? ""
            : PolicyBundles.sha256(Sources.bytes(spec.shield(), ".shield.yaml"));
    this.configHash = PolicyBundles.sha256(resolvedYaml(0).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Loads and checks an experiment file; scenario and shield paths are relative to its folder.
   *
   * @throws ConfigException naming the file, line and key of the first problem
   */
  public static Experiment load(Path file) {
    return resolve(YamlConfig.readDocument(file, ExperimentSpec.class), file.toAbsolutePath());
  }

  /**
   * Parses experiment text; {@code sourceName} names it in messages and relative paths resolve
   * against the working directory.
   *
   * @throws ConfigException naming the source, line and key of the first problem
   */
  public static Experiment parse(String text, String sourceName) {
    return resolve(YamlConfig.parseDocument(text, sourceName, ExperimentSpec.class), null);
  }

  private static Experiment resolve(YamlConfig.Document<ExperimentSpec> doc, Path file) {
    ExperimentSpec spec = doc.value();
    Path dir = file == null ? Path.of("").toAbsolutePath() : file.getParent();
    String scenarioSource = source(spec.scenario(), dir);
    Scenario scenario;
    try {
      scenario = Scenarios.load(scenarioSource);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw doc.error("scenario", e.getMessage());
    }
    String shieldSource = spec.shield() == null ? null : source(spec.shield(), dir);
    if (shieldSource != null) {
      try {
        SafetyShield shield = Shields.load(shieldSource);
        new ShieldedEnvironment(
            scenario.createEnvironment(false, null),
            shield,
            spec.shieldPenalty().toPenalty()); // checks that shield and scenario fit together
      } catch (ConfigException e) {
        throw e;
      } catch (IllegalArgumentException e) {
        throw doc.error("shield", e.getMessage());
      }
    }
    requireResidualFits(spec.training().residual(), scenario, doc);
    if (spec.training().actionMapping() != null && shieldSource == null) {
      throw doc.error(
          "training.action_mapping",
          "maps the agent's actions into the shield's admissible box: give the experiment a"
              + " shield");
    }
    Algorithm algorithm = Algorithm.of(spec.algorithm());
    Object config = hyperparameters(algorithm, spec.hyperparameters(), doc);
    return new Experiment(spec.withSources(scenarioSource, shieldSource), scenario, config);
  }

  /**
   * The base controller can run on the scenario, each action of the scenario has a bound, none is
   * wider than its action's range.
   */
  private static void requireResidualFits(
      ExperimentSpec.ResidualSpec residual,
      Scenario scenario,
      YamlConfig.Document<ExperimentSpec> doc) {
    if (residual == null) {
      return;
    }
    try {
      BundlePolicies.baseController(residual.base(), scenario);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // e.g. pid on a scenario without a controller section: said at load, not mid-training
      throw doc.error("training.residual.base", e.getMessage());
    }
    for (String name : residual.bound().keySet()) {
      if (scenario.actionSpace().indexOf(name) < 0) {
        throw doc.error(
            "training.residual.bound." + name,
            "not an action of scenario "
                + scenario.name()
                + "; its actions are "
                + scenario.actionSpace().names());
      }
    }
    for (SignalSpec a : scenario.actionSpace().signals()) {
      Double b = residual.bound().get(a.name());
      if (b == null) {
        throw doc.error(
            "training.residual.bound",
            "give a bound for every action of scenario "
                + scenario.name()
                + ": "
                + a.name()
                + " has none");
      }
      if (b > a.max() - a.min()) {
        throw doc.error(
            "training.residual.bound." + a.name(),
            String.format(
                java.util.Locale.ROOT,
                "%s is wider than the action's whole range %s..%s %s: a residual is a"
                    + " correction, leave residual out to learn the action itself",
                b,
                a.min(),
                a.max(),
                a.unit()));
      }
    }
  }

  /**
   * Returns each action's residual bound in the scenario's action order, or null when the agent
   * learns the actions on their own.
   */
  public double[] residualBound() {
    ExperimentSpec.ResidualSpec r = spec.training().residual();
    if (r == null) {
      return null;
    }
    double[] bound = new double[scenario.actionSpace().size()];
    for (int i = 0; i < bound.length; i++) {
      bound[i] = r.bound().get(scenario.actionSpace().get(i).name());
    }
    return bound;
  }

  /** A built-in name stays a name; a file name resolves against the experiment's folder. */
  private static String source(String nameOrPath, Path dir) {
    boolean file = nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml");
    return file ? dir.resolve(nameOrPath).normalize().toString() : nameOrPath;
  }

  /** Merges the file's overrides onto the algorithm's defaults, blaming the key of a problem. */
  private static Object hyperparameters(
      Algorithm algorithm, Map<String, Object> overrides, YamlConfig.Document<?> doc) {
    ObjectNode node = JSON.valueToTree(algorithm.defaults());
    List<String> known = new ArrayList<>();
    node.fieldNames().forEachRemaining(known::add);
    for (Map.Entry<String, Object> e : overrides.entrySet()) {
      String key = e.getKey();
      String field = "hyperparameters." + key;
      if (key.equals("lagrangian")) {
        throw doc.error(
            field,
            "set by the algorithm's name: "
                + algorithm.algorithmName()
                + (algorithm.lagrangian() ? " has it on" : " has it off"));
      }
      if (!node.has(key)) {
        throw doc.error(
            field,
            "unknown hyper-parameter '"
                + key
                + "' for "
                + algorithm.algorithmName()
                + "; known: "
                + known.stream().filter(k -> !k.equals("lagrangian")).toList());
      }
      node.set(key, JSON.valueToTree(e.getValue()));
    }
    node.put("lagrangian", algorithm.lagrangian());
    try {
      return JSON.treeToValue(node, algorithm.configType());
    } catch (JsonMappingException e) {
      if (e instanceof MismatchedInputException
          && !e.getPath().isEmpty()
          && e.getPath().get(0).getFieldName() != null) {
        String key = e.getPath().get(0).getFieldName();
        if (overrides.containsKey(key)) {
          throw doc.error("hyperparameters." + key, YamlConfig.problemOf(e));
        }
      }
      throw hyperparameterError(e, overrides, doc);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw hyperparameterError(e, overrides, doc);
    }
  }

  /** Blames the hyper-parameter that a record's validation names in its message. */
  private static ConfigException hyperparameterError(
      Exception e, Map<String, Object> overrides, YamlConfig.Document<?> doc) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? e.getMessage() : root.getMessage();
    String blamed = "hyperparameters";
    for (String key : overrides.keySet()) {
      if (message.contains(key)) {
        blamed = "hyperparameters." + key;
        break;
      }
    }
    return doc.error(blamed, message.lines().findFirst().orElse(message));
  }

  /**
   * Returns this experiment with another training budget and, when not null, another number of
   * evaluation episodes (for {@code --steps} and {@code --quick}).
   */
  public Experiment with(long trainingSteps, Integer evaluationEpisodes) {
    ExperimentSpec s = spec.withTrainingSteps(trainingSteps);
    if (evaluationEpisodes != null) {
      s = s.withEvaluationEpisodes(evaluationEpisodes);
    }
    return new Experiment(s, scenario, algorithmConfig);
  }

  /** Returns the experiment as written (scenario and shield as resolved). */
  public ExperimentSpec spec() {
    return spec;
  }

  /** Returns the algorithm. */
  public Algorithm algorithm() {
    return algorithm;
  }

  /** Returns the scenario. */
  public Scenario scenario() {
    return scenario;
  }

  /** Returns the hyper-parameter record (defaults merged with the file's overrides). */
  public Object algorithmConfig() {
    return algorithmConfig;
  }

  /** Returns every hyper-parameter by snake_case name, defaults included. */
  public Map<String, Object> resolvedHyperparameters() {
    JsonNode node = JSON.valueToTree(algorithmConfig);
    @SuppressWarnings("unchecked")
    Map<String, Object> map = JSON.convertValue(node, LinkedHashMap.class);
    return map;
  }

  /** Returns the SHA-256 of the scenario file (or built-in resource). */
  public String scenarioHash() {
    return scenarioHash;
  }

  /** Returns the SHA-256 of the shield file (or built-in resource), empty without a shield. */
  public String shieldHash() {
    return shieldHash;
  }

  /**
   * Returns the SHA-256 of the resolved configuration without its seeds: runs of one experiment
   * across seeds share it.
   */
  public String configHash() {
    return configHash;
  }

  /** Returns true when a shield sits in the loop. */
  public boolean shielded() {
    return spec.shield() != null;
  }

  /** Loads a fresh shield (shields hold state), or returns null without one. */
  public SafetyShield newShield() {
    return spec.shield() == null ? null : Shields.load(spec.shield());
  }

  /**
   * Creates the training environment: the scenario with the training realism, behind the shield
   * (with its penalty) when there is one.
   */
  public ProcessEnvironment trainingEnvironment() {
    ProcessEnvironment env = scenario.createEnvironment(spec.training().realism(), null);
    SafetyShield shield = newShield();
    return shield == null
        ? env
        : new ShieldedEnvironment(env, shield, spec.shieldPenalty().toPenalty());
  }

  /**
   * Returns the view of {@code environment} the agent learns from: a residual's correction space
   * when the experiment has one, with the experiment's reward shaping when it has one, else {@code
   * environment} itself. Wrap outside anything that reports returns, so that reports keep the
   * scenario's own reward.
   */
  public ProcessEnvironment agentView(ProcessEnvironment environment) {
    if (spec.training().actionMapping() != null) {
      // The agent sees the shield's box and chooses inside it; the shield still decides.
      environment = new AdmissibleActionEnvironment(environment);
    }
    if (spec.training().residual() != null) {
      // The agent's action is the correction; the base controller's move is added inside.
      environment =
          new ResidualEnvironment(
              environment,
              BundlePolicies.baseController(spec.training().residual().base(), scenario),
              residualBound());
    }
    ExperimentSpec.ShapingSpec s = spec.training().shaping();
    if (s == null) {
      return environment;
    }
    double gamma =
        algorithmConfig instanceof PpoConfig ppo
            ? ppo.gamma()
            : ((SacConfig) algorithmConfig).gamma();
    return new PotentialShaping(s.tracking(), s.constraintMargin(), s.margin(), gamma)
        .wrap(environment, scenario);
  }

  /** Creates an untrained agent on {@code environment}. */
  public DjlAgent newAgent(ProcessEnvironment environment, long seed) {
    return algorithm.create(environment, algorithmConfig, seed);
  }

  /**
   * Returns this experiment for one seed as a YAML document with every hyper-parameter spelled out;
   * {@code safeloop train} accepts it as it is.
   */
  public String resolvedYaml(long seed) {
    ExperimentSpec one =
        new ExperimentSpec(
            spec.name(),
            spec.scenario(),
            spec.algorithm(),
            withoutLagrangian(resolvedHyperparameters()),
            spec.shield(),
            spec.shieldPenalty(),
            spec.training(),
            spec.evaluation(),
            List.of(seed),
            spec.output());
    return toYaml(one);
  }

  private static Map<String, Object> withoutLagrangian(Map<String, Object> map) {
    Map<String, Object> copy = new LinkedHashMap<>(map);
    copy.remove("lagrangian");
    return copy;
  }

  private static String toYaml(ExperimentSpec spec) {
    try {
      return YAML.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the experiment as YAML", e);
    }
  }
}
