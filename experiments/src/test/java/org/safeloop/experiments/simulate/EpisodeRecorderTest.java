package org.safeloop.experiments.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.scenario.Scenarios;

class EpisodeRecorderTest {
  @TempDir Path dir;

  @Test
  void derivedObservationsAreRecordedUnderTheirOwnNameNotAsMeasurements() throws IOException {
    String text;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("scenarios/cstr-tracking.yaml")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path scenario = dir.resolve("observed.yaml");
    Files.writeString(
        scenario, text + "observation: {tracking_error: true, preview: {steps: 1}}\n");
    ProcessEnvironment env = Scenarios.load(scenario).createEnvironment(false, null);
    Path csv = dir.resolve("episode.csv");
    List<String> header;
    try (EpisodeRecorder recorder = new EpisodeRecorder(env, csv)) {
      header = recorder.header();
      env.reset(0);
      recorder.record(env.step(new double[] {300.0}));
    }
    assertTrue(header.contains("Ca_measured_mol_m3"), header::toString);
    assertTrue(header.contains("Ca_error_mol_m3"), header::toString);
    assertTrue(header.contains("Ca_setpoint_ahead_1_mol_m3"), header::toString);
    assertFalse(header.stream().anyMatch(h -> h.startsWith("Ca_error_measured")), header::toString);
    List<String> lines = Files.readAllLines(csv);
    assertEquals(header.size(), lines.get(1).split(",", -1).length, "a value per column");
  }
}
