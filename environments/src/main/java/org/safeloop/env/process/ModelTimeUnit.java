package org.safeloop.env.process;

/** The time unit a model's derivatives are expressed in (d/dt per this unit). */
public enum ModelTimeUnit {
  /** Derivatives per second. */
  SECOND("s", 1.0 / 60.0),
  /** Derivatives per minute. */
  MINUTE("min", 1.0),
  /** Derivatives per hour. */
  HOUR("h", 60.0);

  private final String symbol;
  private final double minutes;

  ModelTimeUnit(String symbol, double minutes) {
    this.symbol = symbol;
    this.minutes = minutes;
  }

  /** Returns the unit symbol used in files: {@code s}, {@code min} or {@code h}. */
  public String symbol() {
    return symbol;
  }

  /** Converts a duration in this unit to minutes. */
  public double toMinutes(double duration) {
    return duration * minutes;
  }

  /**
   * Parses a unit symbol.
   *
   * @throws IllegalArgumentException naming the accepted symbols
   */
  public static ModelTimeUnit fromSymbol(String symbol) {
    for (ModelTimeUnit u : values()) {
      if (u.symbol.equals(symbol)) {
        return u;
      }
    }
    throw new IllegalArgumentException(
        "unknown time unit '" + symbol + "'; expected one of s, min, h");
  }
}
