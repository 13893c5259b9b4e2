package org.safeloop.env.process.equation;

import static org.safeloop.env.config.FieldException.require;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.FieldException;
import org.safeloop.env.process.ModelTimeUnit;
import org.safeloop.env.process.ParameterSpec;

/**
 * The layout of an equation file, bound by {@link org.safeloop.env.config.YamlConfig}. The compact
 * constructor validates everything, compiling every expression, so that each problem is reported
 * with the line of its field; {@link #toModel()} then compiles again to build the model (loading is
 * rare and compiling is cheap, and a record cannot carry the compiled trees as hidden state).
 *
 * @param name model name, e.g. {@code cstr-equations}
 * @param description free text, units of the parameters; optional
 * @param timeUnit {@code s}, {@code min} or {@code h}
 * @param states states in order with unit, initial value, range and optional clamps
 * @param inputs manipulated inputs in order with unit and actuator limits
 * @param parameters parameters in order with nominal value and unit; optional
 * @param deadTime transport delay in {@code timeUnit}: a number or an expression over parameters;
 *     optional, default 0
 * @param definitions ordered intermediate quantities, each usable after its definition; optional
 * @param equations {@code d(state)/dt} for each state
 */
record EquationFile(
    String name,
    String description,
    String timeUnit,
    Map<String, StateEntry> states,
    Map<String, InputEntry> inputs,
    Map<String, ParameterEntry> parameters,
    String deadTime,
    Map<String, String> definitions,
    Map<String, String> equations) {

  /**
   * Above this factor of extra work, definitions are evaluated once per call instead of inlined, so
   * that a chain of definitions each using the previous one twice cannot blow up evaluation.
   */
  private static final long INLINING_COST_FACTOR = 4;

  /** Validates the file and compiles every expression; throws FieldException naming the field. */
  EquationFile {
    require(name != null && !name.isBlank(), "name", "required: the model's name");
    description = description == null ? "" : description.strip();
    require(timeUnit != null, "time_unit", "required: one of s, min, h");
    try {
      ModelTimeUnit.fromSymbol(timeUnit);
    } catch (IllegalArgumentException e) {
      throw new FieldException("time_unit", e.getMessage());
    }
    states = ordered(states);
    inputs = ordered(inputs);
    parameters = ordered(parameters);
    definitions = ordered(definitions);
    equations = ordered(equations);
    require(states != null && !states.isEmpty(), "states", "declare at least one state");
    require(inputs != null && !inputs.isEmpty(), "inputs", "declare at least one input");
    require(equations != null, "equations", "required: one equation d(state)/dt per state");
    compile(
        name, description, timeUnit, states, inputs, parameters, deadTime, definitions, equations);
  }

  /** Builds the model. The constructor has validated the file, so this does not fail. */
  EquationModel toModel() {
    return compile(
        name, description, timeUnit, states, inputs, parameters, deadTime, definitions, equations);
  }

  /**
   * A state: unit, initial value, observation range and optional physical clamps.
   *
   * @param unit engineering unit, e.g. {@code K}; empty for dimensionless
   * @param initial default initial value in {@code unit}
   * @param min lower end of the observation range
   * @param max upper end of the observation range
   * @param lowerLimit physical lower clamp applied after each step, e.g. 0 for a concentration;
   *     optional
   * @param upperLimit physical upper clamp, e.g. the overflow level; optional
   */
  record StateEntry(
      String unit, Double initial, Double min, Double max, Double lowerLimit, Double upperLimit) {

    /** Validates finite values, {@code min < max} and an initial value within the clamps. */
    StateEntry {
      require(unit != null, "unit", "required: the engineering unit, e.g. K (\"\" if none)");
      requireFinite(initial, "initial");
      requireRange(min, max);
      if (lowerLimit != null) {
        require(Double.isFinite(lowerLimit), "lower_limit", "must be a finite number");
        require(initial >= lowerLimit, "initial", "is below lower_limit " + lowerLimit);
      }
      if (upperLimit != null) {
        require(Double.isFinite(upperLimit), "upper_limit", "must be a finite number");
        require(initial <= upperLimit, "initial", "is above upper_limit " + upperLimit);
      }
      if (lowerLimit != null && upperLimit != null) {
        require(
            lowerLimit < upperLimit,
            "upper_limit",
            "must be greater than lower_limit " + lowerLimit);
      }
    }
  }

  /**
   * A manipulated input.
   *
   * @param unit engineering unit; empty for dimensionless
   * @param min lower actuator limit
   * @param max upper actuator limit
   */
  record InputEntry(String unit, Double min, Double max) {

    /** Validates a unit and a finite range with {@code min < max}. */
    InputEntry {
      require(unit != null, "unit", "required: the engineering unit, e.g. K (\"\" if none)");
      requireRange(min, max);
    }
  }

  /**
   * A parameter.
   *
   * @param value nominal value in {@code unit}
   * @param unit engineering unit; optional, default dimensionless
   * @param description one line; optional
   */
  record ParameterEntry(Double value, String unit, String description) {

    /** Validates a finite value and fills in the optional fields. */
    ParameterEntry {
      requireFinite(value, "value");
      unit = unit == null ? "" : unit;
      description = description == null ? "" : description;
    }
  }

  private static void requireFinite(Double value, String field) {
    require(value != null, field, "required: a number");
    require(Double.isFinite(value), field, "must be a finite number, got " + value);
  }

  private static void requireRange(Double min, Double max) {
    requireFinite(min, "min");
    requireFinite(max, "max");
    require(min < max, "max", "must be greater than min " + min + ", got " + max);
  }

  private static <V> Map<String, V> ordered(Map<String, V> map) {
    return map == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(map));
  }

  private static EquationModel compile(
      String name,
      String description,
      String timeUnit,
      Map<String, StateEntry> states,
      Map<String, InputEntry> inputs,
      Map<String, ParameterEntry> parameters,
      String deadTime,
      Map<String, String> definitions,
      Map<String, String> equations) {
    Map<String, String> declaredAs = new LinkedHashMap<>();
    Scope scope = Scope.empty();

    List<SignalSpec> stateSpecs = new ArrayList<>();
    double[] initial = new double[states.size()];
    double[] lower = new double[states.size()];
    double[] upper = new double[states.size()];
    for (Map.Entry<String, StateEntry> e : states.entrySet()) {
      String field = "states." + e.getKey();
      declare(declaredAs, e.getKey(), "a state", field);
      StateEntry s = e.getValue();
      require(s != null, field, "expected a mapping with unit, initial, min and max");
      int slot = stateSpecs.size();
      stateSpecs.add(new SignalSpec(e.getKey(), s.unit(), s.min(), s.max()));
      initial[slot] = s.initial();
      lower[slot] = s.lowerLimit() == null ? Double.NEGATIVE_INFINITY : s.lowerLimit();
      upper[slot] = s.upperLimit() == null ? Double.POSITIVE_INFINITY : s.upperLimit();
      scope = scope.with(e.getKey(), Scope.Kind.STATE, slot);
    }

    List<SignalSpec> inputSpecs = new ArrayList<>();
    double[] midInputs = new double[inputs.size()];
    for (Map.Entry<String, InputEntry> e : inputs.entrySet()) {
      String field = "inputs." + e.getKey();
      declare(declaredAs, e.getKey(), "an input", field);
      InputEntry u = e.getValue();
      require(u != null, field, "expected a mapping with unit, min and max");
      midInputs[inputSpecs.size()] = 0.5 * (u.min() + u.max());
      scope = scope.with(e.getKey(), Scope.Kind.INPUT, inputSpecs.size());
      inputSpecs.add(new SignalSpec(e.getKey(), u.unit(), u.min(), u.max()));
    }

    List<ParameterSpec> parameterSpecs = new ArrayList<>();
    Scope parametersOnly = Scope.empty();
    Map<String, ParameterEntry> declaredParameters = parameters == null ? Map.of() : parameters;
    for (Map.Entry<String, ParameterEntry> e : declaredParameters.entrySet()) {
      String field = "parameters." + e.getKey();
      declare(declaredAs, e.getKey(), "a parameter", field);
      ParameterEntry p = e.getValue();
      require(p != null, field, "expected a mapping with value and unit");
      int slot = parameterSpecs.size();
      parameterSpecs.add(new ParameterSpec(e.getKey(), p.unit(), p.value(), p.description()));
      scope = scope.with(e.getKey(), Scope.Kind.PARAMETER, slot);
      parametersOnly = parametersOnly.with(e.getKey(), Scope.Kind.PARAMETER, slot);
    }
    double[] nominal = parameterSpecs.stream().mapToDouble(ParameterSpec::nominal).toArray();

    Map<String, String> declaredDefinitions = definitions == null ? Map.of() : definitions;
    for (String definition : declaredDefinitions.keySet()) {
      declare(declaredAs, definition, "a definition", "definitions." + definition);
    }
    Node[] definitionTrees = new Node[declaredDefinitions.size()];
    List<String> definitionNames = new ArrayList<>(declaredDefinitions.keySet());
    for (int m = 0; m < definitionTrees.length; m++) {
      String definition = definitionNames.get(m);
      Scope visible = scope.withUnavailable(definition, "refers to itself");
      for (String later : definitionNames.subList(m + 1, definitionNames.size())) {
        visible =
            visible.withUnavailable(
                later,
                "is a definition used before it is defined; definitions may use only those"
                    + " above them, so move '"
                    + later
                    + "' above '"
                    + definition
                    + "'");
      }
      definitionTrees[m] =
          compileField("definitions." + definition, declaredDefinitions.get(definition), visible);
      scope = scope.with(definition, Scope.Kind.DEFINITION, m);
    }

    for (String state : equations.keySet()) {
      if (!states.containsKey(state)) {
        StringBuilder problem =
            new StringBuilder("there is no state named '").append(state).append("'");
        Scope.closest(state, states.keySet())
            .ifPresent(c -> problem.append(" (did you mean '").append(c).append("'?)"));
        problem.append("; the states are ").append(states.keySet());
        throw new FieldException("equations." + state, problem.toString());
      }
    }
    for (String state : states.keySet()) {
      require(
          equations.containsKey(state),
          "equations",
          "missing the equation for state '"
              + state
              + "': write "
              + state
              + ": <d"
              + state
              + "/dt>");
    }
    Node[] equationTrees = new Node[states.size()];
    int slot = 0;
    for (String state : states.keySet()) {
      equationTrees[slot++] = compileField("equations." + state, equations.get(state), scope);
    }

    Node deadTimeTree = compileDeadTime(deadTime, declaredAs, parametersOnly);
    double nominalDeadTime = deadTimeTree.eval(null, null, nominal, null);
    require(
        nominalDeadTime >= 0 && Double.isFinite(nominalDeadTime),
        "dead_time",
        "must be finite and >= 0, got " + nominalDeadTime + " " + timeUnit);

    requireFiniteAtInitialState(
        initial, midInputs, nominal, definitionNames, definitionTrees, states, equationTrees);

    if (inliningIsCheap(definitionTrees, equationTrees)) {
      Node[] inlinedDefinitions = new Node[definitionTrees.length];
      for (int m = 0; m < definitionTrees.length; m++) {
        inlinedDefinitions[m] = definitionTrees[m].inline(inlinedDefinitions);
      }
      for (int i = 0; i < equationTrees.length; i++) {
        equationTrees[i] = equationTrees[i].inline(inlinedDefinitions);
      }
      definitionTrees = new Node[0];
    }

    return new EquationModel(
        name,
        description,
        ModelTimeUnit.fromSymbol(timeUnit),
        stateSpecs,
        inputSpecs,
        parameterSpecs,
        initial,
        lower,
        upper,
        deadTimeTree,
        definitionTrees,
        equationTrees,
        unusedParameters(declaredParameters.keySet(), deadTime, declaredDefinitions, equations));
  }

  private static final java.util.regex.Pattern NAME =
      java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * Warns of each declared parameter that no equation, definition or dead time names: a typo, or a
   * parameter a scenario would vary (uncertainty, a disturbance) without any effect.
   */
  private static List<String> unusedParameters(
      java.util.Set<String> parameters,
      String deadTime,
      Map<String, String> definitions,
      Map<String, String> equations) {
    java.util.Set<String> used = new java.util.HashSet<>();
    List<String> texts = new ArrayList<>(definitions.values());
    texts.addAll(equations.values());
    if (deadTime != null) {
      texts.add(deadTime);
    }
    for (String text : texts) {
      java.util.regex.Matcher m = NAME.matcher(text == null ? "" : text);
      while (m.find()) {
        used.add(m.group());
      }
    }
    List<String> warnings = new ArrayList<>();
    for (String p : parameters) {
      if (!used.contains(p)) {
        warnings.add(
            "parameter '"
                + p
                + "' is declared but no equation, definition or dead_time uses it: a typo, or"
                + " a parameter that uncertainty or a disturbance would vary without effect");
      }
    }
    return List.copyOf(warnings);
  }

  /**
   * Compares the nodes visited per call when each definition is evaluated once (a reference costs
   * one node) with the nodes visited when every definition is inlined where it is used.
   */
  private static boolean inliningIsCheap(Node[] definitionTrees, Node[] equationTrees) {
    long[] referenceCosts = new long[definitionTrees.length];
    Arrays.fill(referenceCosts, 1);
    long[] inlinedCosts = new long[definitionTrees.length];
    long direct = 0;
    for (int m = 0; m < definitionTrees.length; m++) {
      inlinedCosts[m] = definitionTrees[m].cost(inlinedCosts);
      direct += definitionTrees[m].cost(referenceCosts);
    }
    long inlined = 0;
    for (Node equation : equationTrees) {
      direct += equation.cost(referenceCosts);
      inlined = Math.min(Node.COST_CAP, inlined + equation.cost(inlinedCosts));
    }
    return inlined <= INLINING_COST_FACTOR * direct;
  }

  private static void declare(
      Map<String, String> declaredAs, String name, String kind, String field) {
    require(
        ExpressionCompiler.isName(name),
        field,
        "'"
            + name
            + "' cannot be used in equations: a name is letters, digits and _, starting with a"
            + " letter or _");
    String earlier = declaredAs.putIfAbsent(name, kind);
    require(
        earlier == null,
        field,
        "'"
            + name
            + "' is already declared as "
            + earlier
            + "; names must be unique across states, inputs, parameters and definitions");
  }

  private static Node compileField(String field, String expression, Scope scope) {
    try {
      return ExpressionCompiler.compile(expression, scope);
    } catch (ExpressionException e) {
      String shown = expression == null ? "" : expression.strip();
      throw new FieldException(
          field, e.getMessage() + (shown.isEmpty() ? "" : "; in '" + shown + "'"));
    }
  }

  private static Node compileDeadTime(
      String deadTime, Map<String, String> declaredAs, Scope parametersOnly) {
    if (deadTime == null) {
      return Node.constant(0.0);
    }
    Scope scope = parametersOnly;
    for (Map.Entry<String, String> e : declaredAs.entrySet()) {
      if (parametersOnly.lookup(e.getKey()).isEmpty()) {
        scope =
            scope.withUnavailable(
                e.getKey(), "is " + e.getValue() + "; dead_time may use only parameters");
      }
    }
    return compileField("dead_time", deadTime, scope);
  }

  /**
   * Evaluates every definition and equation once at the initial state, nominal parameters and
   * mid-range inputs, so that a division by zero or the logarithm of a negative number is found
   * when the file is loaded rather than as a NaN deep inside a simulation.
   */
  private static void requireFiniteAtInitialState(
      double[] initial,
      double[] inputs,
      double[] parameters,
      List<String> definitionNames,
      Node[] definitionTrees,
      Map<String, StateEntry> states,
      Node[] equationTrees) {
    String where =
        " at the initial state with nominal parameters and mid-range inputs; check for a"
            + " division by zero or the log or sqrt of a negative number";
    double[] values = new double[definitionTrees.length];
    for (int m = 0; m < values.length; m++) {
      values[m] = definitionTrees[m].eval(initial, inputs, parameters, values);
      require(
          Double.isFinite(values[m]),
          "definitions." + definitionNames.get(m),
          "evaluates to " + values[m] + where);
    }
    int i = 0;
    for (String state : states.keySet()) {
      double value = equationTrees[i++].eval(initial, inputs, parameters, values);
      require(Double.isFinite(value), "equations." + state, "evaluates to " + value + where);
    }
  }
}
