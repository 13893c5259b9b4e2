package org.safeloop.env.config;

/**
 * Thrown by a configuration record's validation to blame one of its fields. {@link YamlConfig}
 * turns it into a {@link ConfigException} carrying the file and line of that field.
 */
public final class FieldException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  /**
   * Creates an exception.
   *
   * @param field the field's path relative to the record being validated, e.g. {@code steps} or
   *     {@code inputs.Tc.max}
   * @param problem what is wrong
   */
  public FieldException(String field, String problem) {
    super(problem);
    this.field = field;
  }

  /** Returns the field's path relative to the record that threw. */
  public String field() {
    return field;
  }

  /** Returns the problem without the field. */
  public String problem() {
    return getMessage();
  }

  /** Throws a FieldException for {@code field} when {@code condition} is false. */
  public static void require(boolean condition, String field, String problem) {
    if (!condition) {
      throw new FieldException(field, problem);
    }
  }
}
