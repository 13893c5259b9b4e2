package org.safeloop.experiments.demo;

/**
 * A demo stage that failed: carries the stage's number and name so that the command line can say
 * which one, e.g. {@code stage 4 (deploy): closed loop refused: ...}.
 */
public final class StageFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int stage;
  private final String stageName;

  StageFailure(int stage, String stageName, String message, Throwable cause) {
    super(message, cause);
    this.stage = stage;
    this.stageName = stageName;
  }

  /** Returns the failed stage's number, 1 to 6. */
  public int stage() {
    return stage;
  }

  /** Returns the failed stage's name, e.g. {@code deploy}. */
  public String stageName() {
    return stageName;
  }

  /** Returns the line to print: {@code stage N (name): message}. */
  public String describe() {
    return "stage " + stage + " (" + stageName + "): " + getMessage();
  }
}
