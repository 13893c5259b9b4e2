package org.safeloop.env.config;

/**
 * A configuration file is malformed: the message names the file, the line and the field, e.g.
 * {@code scenarios/cstr.yaml:12: field 'setpoints.Ca[1].value': expected a number}.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final String field;
  private final String problem;

  /**
   * Creates an exception.
   *
   * @param file file name as given by the user
   * @param line 1-based line, or 0 when unknown
   * @param field dotted path of the field, or empty for the whole file
   * @param problem what is wrong, for a control engineer
   * @param cause underlying exception, may be null
   */
  public ConfigException(String file, int line, String field, String problem, Throwable cause) {
    super(format(file, line, field, problem), cause);
    this.file = file;
    this.line = line;
    this.field = field;
    this.problem = problem;
  }

  private static String format(String file, int line, String field, String problem) {
    StringBuilder sb = new StringBuilder(file);
    if (line > 0) {
      sb.append(':').append(line);
    }
    sb.append(": ");
    if (!field.isEmpty()) {
      sb.append("field '").append(field).append("': ");
    }
    return sb.append(problem).toString();
  }

  /** Returns the file name as the user gave it. */
  public String file() {
    return file;
  }

  /** Returns the 1-based line of the offending field, or 0 when unknown. */
  public int line() {
    return line;
  }

  /** Returns the dotted path of the offending field, or empty. */
  public String field() {
    return field;
  }

  /**
   * Returns what is wrong without the file, line and field, e.g. {@code expected a number}: for a
   * caller that took the value from elsewhere than the file (a command-line flag) and names that.
   */
  public String problem() {
    return problem;
  }
}
