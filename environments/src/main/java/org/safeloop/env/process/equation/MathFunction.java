package org.safeloop.env.process.equation;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The functions an equation may call, each with a fixed number of arguments and the semantics of
 * the {@link Math} method of the same name ({@code log} is the natural logarithm). Immutable.
 */
enum MathFunction {
  ABS("abs", 1, "abs(x)"),
  COS("cos", 1, "cos(x) with x in radians"),
  EXP("exp", 1, "exp(x)"),
  LOG("log", 1, "log(x), the natural logarithm"),
  MAX("max", 2, "max(x, y)"),
  MIN("min", 2, "min(x, y)"),
  POW("pow", 2, "pow(x, y), the same as x ^ y"),
  SIN("sin", 1, "sin(x) with x in radians"),
  SQRT("sqrt", 1, "sqrt(x)"),
  TANH("tanh", 1, "tanh(x)");

  private final String symbol;
  private final int arity;
  private final String usage;

  MathFunction(String symbol, int arity, String usage) {
    this.symbol = symbol;
    this.arity = arity;
    this.usage = usage;
  }

  /** Returns the name used in equations, e.g. {@code exp}. */
  String symbol() {
    return symbol;
  }

  /** Returns the number of arguments the function takes. */
  int arity() {
    return arity;
  }

  /** Returns a short usage line for error messages, e.g. {@code pow(x, y)}. */
  String usage() {
    return usage;
  }

  /** Applies a one-argument function. */
  double apply(double x) {
    switch (this) {
      case ABS:
        return Math.abs(x);
      case COS:
        return Math.cos(x);
      case EXP:
        return Math.exp(x);
      case LOG:
        return Math.log(x);
      case SIN:
        return Math.sin(x);
      case SQRT:
        return Math.sqrt(x);
      case TANH:
        return Math.tanh(x);
      default:
        throw new IllegalStateException(symbol + " takes " + arity + " arguments");
    }
  }

  /** Applies a two-argument function. */
  double apply(double x, double y) {
    switch (this) {
      case MAX:
        return Math.max(x, y);
      case MIN:
        return Math.min(x, y);
      case POW:
        return Math.pow(x, y);
      default:
        throw new IllegalStateException(symbol + " takes " + arity + " argument");
    }
  }

  /** Finds a function by its name in equations. */
  static Optional<MathFunction> bySymbol(String symbol) {
    for (MathFunction f : values()) {
      if (f.symbol.equals(symbol)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }

  /** Returns the known function names, sorted and comma-separated, for error messages. */
  static String knownSymbols() {
    return Arrays.stream(values())
        .map(MathFunction::symbol)
        .sorted()
        .collect(Collectors.joining(", "));
  }
}
