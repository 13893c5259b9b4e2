package org.safeloop.env.process.equation;

/**
 * An expression cannot be compiled. The message starts with the 1-based column inside the
 * expression, e.g. {@code column 12: undeclared name 'Tx'; did you mean 'T'?}.
 */
final class ExpressionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final int column;
  private final String problem;

  /**
   * Creates an exception.
   *
   * @param column 1-based column inside the expression
   * @param problem what is wrong, naming the offending name or character
   */
  ExpressionException(int column, String problem) {
    super("column " + column + ": " + problem);
    this.column = column;
    this.problem = problem;
  }

  /** Returns the 1-based column inside the expression. */
  int column() {
    return column;
  }

  /** Returns the problem without the column. */
  String problem() {
    return problem;
  }
}
