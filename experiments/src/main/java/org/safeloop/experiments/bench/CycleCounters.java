package org.safeloop.experiments.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;

/**
 * Cycle counts of the runtime's modes, the shield's verdicts and demotions (by reason, numbers
 * masked), for {@link DeployBenchmark}. Not thread-safe.
 */
final class CycleCounters {
  long cycles;
  long closedLoop;
  long accepted;
  long repaired;
  long fallbacks;
  final Map<String, Long> demotions = new LinkedHashMap<>();
  final Map<String, String> examples = new LinkedHashMap<>();

  void count(DeploymentRuntime.CycleOutcome outcome) {
    cycles++;
    if (outcome.mode() == Mode.CLOSED_LOOP && outcome.wroteSetpoints()) {
      closedLoop++;
    }
    if (outcome.decision() != null) {
      switch (outcome.decision().verdict()) {
        case ACCEPTED -> accepted++;
        case REPAIRED -> repaired++;
        case FALLBACK -> fallbacks++;
      }
    }
    if (outcome.demotion() != null) {
      demoted(outcome.demotion().replaceAll("[-+]?\\d[\\d.:TZE+-]*", "#"), outcome.demotion());
    }
  }

  void demoted(String reason, String example) {
    demotions.merge(reason, 1L, Long::sum);
    examples.putIfAbsent(reason, example);
  }

  DeployBenchmark.Health health() {
    return new DeployBenchmark.Health(
        cycles, closedLoop, accepted, repaired, fallbacks, demotions, examples);
  }

  void reset() {
    cycles = 0;
    closedLoop = 0;
    accepted = 0;
    repaired = 0;
    fallbacks = 0;
    demotions.clear();
    examples.clear();
  }
}
