package org.safeloop.experiments.report;

import java.util.Locale;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;

/** How the report writes numbers, units and file names. Thread-safe (stateless). */
final class Format {
  private Format() {}

  /** Four significant digits without trailing zeros, {@code n/a} for NaN. */
  static String number(double x) {
    if (Double.isNaN(x)) {
      return "n/a";
    }
    String s = String.format(Locale.ROOT, "%.4g", x);
    if (s.contains("e") || !s.contains(".")) {
      return s;
    }
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }

  /** A fixed number of decimals, {@code n/a} for NaN. */
  static String fixed(double x, int decimals) {
    return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", x);
  }

  /** A signal's unit, {@code dimensionless} where it has none. */
  static String unit(SignalSpec s) {
    return s.unit().isEmpty() ? "dimensionless" : s.unit();
  }

  /** The unit of a state of the scenario by name. */
  static String unit(Scenario scenario, String state) {
    int i = scenario.stateSpace().indexOf(state);
    return i < 0 ? "dimensionless" : unit(scenario.stateSpace().get(i));
  }

  /** An axis label: the signal's name and unit, e.g. {@code T (K)}. */
  static String axisLabel(SignalSpec s) {
    return s.name() + " (" + unit(s) + ")";
  }

  /** A value of a signal with its unit, e.g. {@code 327 K}. */
  static String withUnit(double value, SignalSpec s) {
    return s.unit().isEmpty() ? number(value) : number(value) + " " + s.unit();
  }

  /** A file-name-safe version of {@code name}: letters, digits, dot, dash and underscore. */
  static String slug(String name) {
    String s = name.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
    return s.isEmpty() ? "x" : s;
  }
}
