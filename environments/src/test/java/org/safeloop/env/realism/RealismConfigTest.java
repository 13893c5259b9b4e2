package org.safeloop.env.realism;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.YamlConfig;

class RealismConfigTest {

  private static RealismConfig parse(String yaml) {
    return YamlConfig.parse(yaml, "test.yaml", RealismConfig.class);
  }

  @Test
  void fullFileBindsEverySectionWithDefaultsForAbsentFields() {
    RealismConfig config =
        parse(
            """
            sensors:
              T:
                noise_std: 0.2
                range_min: 300
                range_max: 400
                quantization: 0.1
              Ca:
                dropout_probability: 0.01
                stuck_probability: 0.001
                stuck_steps: 5
            disturbances:
              - parameter: Ti
                type: step
                start: 10
                magnitude: 5
              - {parameter: Caf, type: Random_Walk, std: 0.01, min: -0.1, max: 0.1}
            parameter_uncertainty:
              UA: {distribution: normal, relative_std: 0.05, min: 40000}
              k0: {distribution: uniform, relative_range: 0.1}
            """);
    assertEquals(List.of("T", "Ca"), List.copyOf(config.sensors().keySet()));
    SensorConfig t = config.sensor("T");
    assertEquals(0.2, t.noiseStd());
    assertEquals(0.0, t.bias());
    assertEquals(0.0, t.dropoutProbability());
    assertEquals(300.0, t.rangeMin());
    assertEquals(5, config.sensor("Ca").stuckSteps());
    assertEquals(Double.POSITIVE_INFINITY, config.sensor("Ca").rangeMax());
    assertTrue(config.sensor("h1").isPerfect());
    assertEquals(DisturbanceConfig.step("Ti", 10, 5), config.disturbances().get(0));
    DisturbanceConfig walk = config.disturbances().get(1);
    assertEquals("random_walk", walk.type());
    assertEquals(0.0, walk.start());
    assertEquals(Double.POSITIVE_INFINITY, walk.end());
    assertEquals(-0.1, walk.min());
    assertEquals(40000.0, config.parameterUncertainty().get("UA").min());
    assertEquals("uniform", config.parameterUncertainty().get("k0").distribution());
  }

  @Test
  void absentSectionsBecomeEmptyCollections() {
    RealismConfig config = parse("sensors:\n  T: {noise_std: 1}\n");
    assertTrue(config.disturbances().isEmpty());
    assertTrue(config.parameterUncertainty().isEmpty());
    assertEquals(RealismConfig.none(), new RealismConfig(null, null, null));
    assertTrue(RealismConfig.none().sensors().isEmpty());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          negative noise       | sensors.T.noise_std           | 3 | noise_std: -0.1
          probability above 1  | sensors.T.dropout_probability | 3 | dropout_probability: 1.5
          empty range          | sensors.T.range_max           | 4 | range_min: 5\\n    range_max: 5
          stuck without length | sensors.T.stuck_steps         | 2 | stuck_probability: 0.1
          zero stuck length    | sensors.T.stuck_steps         | 4 | stuck_probability: 0.1\\n    stuck_steps: 0
          coarse quantisation  | sensors.T.quantization        | 5 | range_min: 0\\n    range_max: 1\\n    quantization: 2
          not a number         | sensors.T.bias                | 3 | bias: high
          misspelled key       | sensors.T.noise_sd            | 3 | noise_sd: 0.1
          """)
  void invalidSensorNamesFieldAndLine(String name, String field, int line, String body) {
    String yaml = "sensors:\n  T:\n    " + body.replace("\\n", "\n") + "\n";
    assertFailure(yaml, field, line);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          unknown type         | disturbances[1].type      | 6 | type: spike\\n    magnitude: 1
          step without size    | disturbances[1].magnitude | 5 | type: step
          rate on a step       | disturbances[1].rate      | 8 | type: step\\n    magnitude: 1\\n    rate: 2
          end before start     | disturbances[1].end       | 9 | type: ramp\\n    rate: 1\\n    start: 5\\n    end: 2
          negative walk std    | disturbances[1].std       | 7 | type: random_walk\\n    std: -1
          bounds exclude zero  | disturbances[1].min       | 8 | type: random_walk\\n    std: 1\\n    min: 0.5
          sine without period  | disturbances[1].period    | 5 | type: sine\\n    magnitude: 1
          """)
  void invalidDisturbanceNamesFieldAndLine(String name, String field, int line, String body) {
    String yaml =
        """
        disturbances:
          - parameter: Ti
            type: step
            magnitude: 1
          - parameter: Caf
            %s
        """
            .formatted(body.replace("\\n", "\n"));
    assertFailure(yaml, field, line);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          unknown distribution | parameter_uncertainty.UA.distribution   | 3 | distribution: lognormal
          negative spread      | parameter_uncertainty.UA.relative_std   | 4 | distribution: normal\\n    relative_std: -0.1
          wrong spread key     | parameter_uncertainty.UA.relative_range | 4 | distribution: normal\\n    relative_range: 0.1
          inverted clip        | parameter_uncertainty.UA.max            | 6 | distribution: uniform\\n    relative_range: 0.1\\n    min: 2\\n    max: 1
          """)
  void invalidUncertaintyNamesFieldAndLine(String name, String field, int line, String body) {
    String yaml = "parameter_uncertainty:\n  UA:\n    " + body.replace("\\n", "\n") + "\n";
    assertFailure(yaml, field, line);
  }

  @Test
  void emptySensorEntryIsRejected() {
    assertFailure("sensors:\n  T:\n", "sensors.T", 2);
  }

  private static void assertFailure(String yaml, String field, int line) {
    ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
    assertEquals(field, e.field(), e::getMessage);
    assertEquals(line, e.line(), e::getMessage);
    assertTrue(
        e.getMessage().startsWith("test.yaml:" + line + ": field '" + field + "'"), e::getMessage);
  }
}
