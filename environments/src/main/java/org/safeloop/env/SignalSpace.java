package org.safeloop.env;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered list of signals: the observation or action space of an environment. Immutable and
 * thread-safe; names are unique.
 */
public final class SignalSpace {
  private final List<SignalSpec> signals;
  private final Map<String, Integer> indexByName;

  /**
   * Creates a space from signals in order.
   *
   * @throws IllegalArgumentException if two signals share a name
   */
  public SignalSpace(List<SignalSpec> signals) {
    this.signals = List.copyOf(signals);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < this.signals.size(); i++) {
      String name = this.signals.get(i).name();
      if (index.put(name, i) != null) {
        throw new IllegalArgumentException("signal name " + name + " is declared twice");
      }
    }
    this.indexByName = Collections.unmodifiableMap(index);
  }

  /** Returns the signals in order. */
  public List<SignalSpec> signals() {
    return signals;
  }

  /** Returns the number of signals. */
  public int size() {
    return signals.size();
  }

  /** Returns the signal at {@code index}. */
  public SignalSpec get(int index) {
    return signals.get(index);
  }

  /** Returns the index of the named signal, or -1 when there is none. */
  public int indexOf(String name) {
    return indexByName.getOrDefault(name, -1);
  }

  /** Returns the signal names in order. */
  public List<String> names() {
    List<String> names = new ArrayList<>(signals.size());
    for (SignalSpec s : signals) {
      names.add(s.name());
    }
    return names;
  }

  /** Returns {@code values} mapped onto [-1, 1] signal by signal (a new array). */
  public double[] normalise(double[] values) {
    checkLength(values);
    double[] out = new double[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = signals.get(i).normalise(values[i]);
    }
    return out;
  }

  /** Returns normalised {@code values} mapped back to engineering units (a new array). */
  public double[] denormalise(double[] normalised) {
    checkLength(normalised);
    double[] out = new double[normalised.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = signals.get(i).denormalise(normalised[i]);
    }
    return out;
  }

  /** Returns the same space with every range replaced by [-1, 1] and unit "1" (normalised). */
  public SignalSpace normalisedView() {
    List<SignalSpec> out = new ArrayList<>(signals.size());
    for (SignalSpec s : signals) {
      out.add(new SignalSpec(s.name(), "1", -1.0, 1.0));
    }
    return new SignalSpace(out);
  }

  /**
   * Checks that {@code values} has one entry per signal.
   *
   * @throws IllegalArgumentException naming the expected signals
   */
  public void checkLength(double[] values) {
    if (values.length != signals.size()) {
      throw new IllegalArgumentException(
          "expected " + signals.size() + " values " + names() + ", got " + values.length);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignalSpace other && signals.equals(other.signals);
  }

  @Override
  public int hashCode() {
    return signals.hashCode();
  }

  @Override
  public String toString() {
    return signals.toString();
  }
}
