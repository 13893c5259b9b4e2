package org.safeloop.env.process.equation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.SourceFiles;
import org.safeloop.env.config.YamlConfig;

/**
 * Loads process models written as equations in YAML, so that an engineer can model a new unit
 * without writing Java. A file looks like this (the shipped {@code models/cstr-equations.yaml} is a
 * complete example):
 *
 * <pre>
 * name: cstr-equations
 * description: pc-gym exothermic CSTR written as equations
 * time_unit: min            # s | min | h
 * states:                   # ordered: unit, initial value, observation range, optional clamps
 *   Ca: {unit: mol/m3, initial: 0.8, min: 0.7, max: 1.0, lower_limit: 0}
 *   T:  {unit: K, initial: 330, min: 300, max: 350}
 * inputs:                   # ordered: unit and actuator limits
 *   Tc: {unit: K, min: 295, max: 302}
 * parameters:               # ordered: nominal value, unit, optional description
 *   k0: {value: 7.2e10, unit: 1/min}
 *   ...
 * dead_time: 0              # optional, in time_unit; a number or an expression of parameters
 * definitions:              # optional, ordered; each may use the ones above it
 *   rA: k0 * exp(-E_R / T) * Ca
 * equations:                # d(state)/dt, one per state
 *   Ca: q / V * (Caf - Ca) - rA
 *   T: q / V * (Ti - T) + (-dH) * rA / (rho * C) + UA * (Tc - T) / (rho * C * V)
 * </pre>
 *
 * <p>Expressions use numbers ({@code 7.2e10}), declared names, {@code + - * / ^} ({@code ^} is
 * right-associative and binds tighter than unary minus: {@code -x^2 = -(x^2)}), parentheses and the
 * functions {@code abs cos exp log max min pow sin sqrt tanh}. Names are letters, digits and {@code
 * _} and must be unique across states, inputs, parameters and definitions. Lower and upper limits
 * of a state are applied by {@link EquationModel#projectState}.
 *
 * <p>Every problem is a {@link ConfigException} naming the file, the line and the field, e.g.
 * {@code cstr.yaml:31: field 'equations.T': column 12: undeclared name 'Tx'; did you mean 'T'?
 * ...}. Besides syntax and names, loading checks that each state has exactly one equation and that
 * every definition and equation is finite at the initial state with nominal parameters and
 * mid-range inputs. Thread-safe.
 */
public final class EquationModels {

  private EquationModels() {}

  /**
   * Loads a model from a YAML file.
   *
   * @throws ConfigException when the file is missing, unreadable or wrong in any way
   */
  public static EquationModel load(Path file) {
    return load(file, new SourceFiles());
  }

  /**
   * Loads a model from a YAML file like {@link #load(Path)}, recording the file and the hash of the
   * bytes parsed in {@code sources}.
   */
  public static EquationModel load(Path file, SourceFiles sources) {
    return YamlConfig.readDocument(file, EquationFile.class, sources, "model").value().toModel();
  }

  /**
   * Parses a model from YAML text.
   *
   * @param sourceName names the text in error messages, e.g. a file name or resource path
   * @throws ConfigException when the text is wrong in any way
   */
  public static EquationModel parse(String text, String sourceName) {
    return YamlConfig.parse(text, sourceName, EquationFile.class).toModel();
  }

  /**
   * Loads a model shipped on the class path, e.g. {@code models/cstr-equations.yaml}.
   *
   * @param resourceName path inside the class path, without a leading slash
   * @throws ConfigException when the resource is missing or wrong in any way
   */
  public static EquationModel loadResource(String resourceName) {
    ClassLoader loader = EquationModels.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(resourceName)) {
      if (in == null) {
        throw new ConfigException(resourceName, 0, "", "not found on the class path", null);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resourceName);
    } catch (IOException e) {
      throw new ConfigException(resourceName, 0, "", "cannot read: " + e.getMessage(), e);
    }
  }
}
