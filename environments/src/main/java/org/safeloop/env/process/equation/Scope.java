package org.safeloop.env.process.equation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names an expression may use and the slot each one refers to, plus names that exist in the
 * model but may not be used here, with the reason (a definition that comes later, a state in a
 * parameter-only expression). Immutable once built; used only while compiling.
 */
final class Scope {

  /** What a name refers to. */
  enum Kind {
    STATE("state", "states"),
    INPUT("input", "inputs"),
    PARAMETER("parameter", "parameters"),
    DEFINITION("definition", "definitions");

    private final String singular;
    private final String plural;

    Kind(String singular, String plural) {
      this.singular = singular;
      this.plural = plural;
    }

    /** Returns the word for one such name, e.g. {@code state}. */
    String singular() {
      return singular;
    }
  }

  /** A declared name: its kind and its index in the array of that kind. */
  record Symbol(String name, Kind kind, int slot) {}

  private final Map<String, Symbol> symbols;
  private final Map<String, String> unavailable;

  private Scope(Map<String, Symbol> symbols, Map<String, String> unavailable) {
    this.symbols = symbols;
    this.unavailable = unavailable;
  }

  /** Returns an empty scope. */
  static Scope empty() {
    return new Scope(Map.of(), Map.of());
  }

  /** Returns this scope with one more usable name; the name must be new. */
  Scope with(String name, Kind kind, int slot) {
    Map<String, Symbol> more = new LinkedHashMap<>(symbols);
    if (more.putIfAbsent(name, new Symbol(name, kind, slot)) != null) {
      throw new IllegalArgumentException("'" + name + "' is already declared");
    }
    return new Scope(Collections.unmodifiableMap(more), unavailable);
  }

  /**
   * Returns this scope with a name that exists but may not be used here.
   *
   * @param reason completes the sentence "'name' ...", e.g. "is a state; dead_time may use only
   *     parameters"
   */
  Scope withUnavailable(String name, String reason) {
    Map<String, String> more = new LinkedHashMap<>(unavailable);
    more.put(name, reason);
    return new Scope(symbols, Collections.unmodifiableMap(more));
  }

  /** Looks up a usable name. */
  Optional<Symbol> lookup(String name) {
    return Optional.ofNullable(symbols.get(name));
  }

  /** Returns why a name that exists may not be used here, if it is such a name. */
  Optional<String> unavailableReason(String name) {
    return Optional.ofNullable(unavailable.get(name));
  }

  /** Returns every usable name, in declaration order. */
  List<String> names() {
    return new ArrayList<>(symbols.keySet());
  }

  /**
   * Describes the usable names by kind for error messages, e.g. {@code states [Ca, T], inputs
   * [Tc]}.
   */
  String describe() {
    Map<Kind, List<String>> byKind = new LinkedHashMap<>();
    for (Kind k : Kind.values()) {
      byKind.put(k, new ArrayList<>());
    }
    for (Symbol s : symbols.values()) {
      byKind.get(s.kind()).add(s.name());
    }
    List<String> parts = new ArrayList<>();
    byKind.forEach(
        (kind, names) -> {
          if (!names.isEmpty()) {
            parts.add(kind.plural + " " + names);
          }
        });
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  /**
   * Returns the candidate closest to {@code name} when it is plausibly a typo: the same letters in
   * another case, or at most two edits away and fewer edits than {@code name} has characters.
   */
  static Optional<String> closest(String name, Iterable<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = candidate.equalsIgnoreCase(name) ? 0 : editDistance(name, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    if (best != null && bestDistance <= 2 && bestDistance < name.length()) {
      return Optional.of(best);
    }
    return Optional.empty();
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
