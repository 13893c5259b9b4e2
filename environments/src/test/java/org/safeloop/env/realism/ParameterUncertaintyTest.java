package org.safeloop.env.realism;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParameterUncertaintyTest {
  private static final int SAMPLES = 100_000;

  @Test
  void uniformSamplesStayWithinRelativeRangeWithVarianceOfAUniform() {
    double nominal = 50_000;
    double range = 0.1;
    UncertaintyConfig config = UncertaintyConfig.uniform(range);
    SplittableRandom random = new SplittableRandom(1);
    double sum = 0;
    double sumSq = 0;
    double lowest = Double.POSITIVE_INFINITY;
    double highest = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < SAMPLES; i++) {
      double v = ParameterUncertainty.sample(config, nominal, random);
      assertTrue(v >= nominal * (1 - range) && v <= nominal * (1 + range), () -> "sample " + v);
      lowest = Math.min(lowest, v);
      highest = Math.max(highest, v);
      sum += v;
      sumSq += v * v;
    }
    double mean = sum / SAMPLES;
    double variance = sumSq / SAMPLES - mean * mean;
    double halfWidth = nominal * range;
    assertEquals(halfWidth * halfWidth / 3, variance, halfWidth * halfWidth / 3 * 0.02);
    assertEquals(nominal, mean, 4 * halfWidth / Math.sqrt(3 * SAMPLES));
    // The extremes of 1e5 uniform samples fall about 2e-5 half-widths inside the bounds.
    assertEquals(nominal - halfWidth, lowest, halfWidth * 1e-3);
    assertEquals(nominal + halfWidth, highest, halfWidth * 1e-3);
  }

  @Test
  void normalSamplesHaveRelativeStandardDeviationAroundNominal() {
    double nominal = -5e4; // a negative nominal (heat of reaction) scales the same way
    UncertaintyConfig config = UncertaintyConfig.normal(0.05);
    SplittableRandom random = new SplittableRandom(2);
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < SAMPLES; i++) {
      double v = ParameterUncertainty.sample(config, nominal, random);
      sum += v;
      sumSq += v * v;
    }
    double mean = sum / SAMPLES;
    double std = Math.sqrt(sumSq / SAMPLES - mean * mean);
    double expectedStd = Math.abs(nominal) * 0.05;
    assertEquals(expectedStd, std, expectedStd * 0.02);
    assertEquals(nominal, mean, 4 * expectedStd / Math.sqrt(SAMPLES));
  }

  @Test
  void samplesAreClippedIntoMinAndMax() {
    UncertaintyConfig config = new UncertaintyConfig("normal", 0.5, null, 0.8, 1.1);
    SplittableRandom random = new SplittableRandom(3);
    int atMin = 0;
    int atMax = 0;
    for (int i = 0; i < 10_000; i++) {
      double v = ParameterUncertainty.sample(config, 1.0, random);
      assertTrue(v >= 0.8 && v <= 1.1);
      atMin += v == 0.8 ? 1 : 0;
      atMax += v == 1.1 ? 1 : 0;
    }
    assertTrue(atMin > 0 && atMax > 0);
  }

  @Test
  void sampleAllPerturbsOnlyConfiguredParametersAndKeepsTheOrderOfNominals() {
    Map<String, Double> nominals = new LinkedHashMap<>();
    nominals.put("UA", 5e4);
    nominals.put("k0", 7.2e10);
    nominals.put("Ti", 350.0);
    Map<String, UncertaintyConfig> configs = Map.of("UA", UncertaintyConfig.normal(0.05));
    Map<String, Double> sampled =
        ParameterUncertainty.sampleAll(configs, nominals, new SplittableRandom(4));
    assertEquals(List.of("UA", "k0", "Ti"), List.copyOf(sampled.keySet()));
    assertNotEquals(5e4, sampled.get("UA"));
    assertEquals(7.2e10, sampled.get("k0"));
    assertEquals(350.0, sampled.get("Ti"));
  }

  @Test
  void sampleAllGivesAParameterTheSameValueWhateverElseIsConfigured() {
    Map<String, Double> nominals = Map.of("UA", 5e4, "k0", 7.2e10, "Ti", 350.0);
    Map<String, Double> alone =
        ParameterUncertainty.sampleAll(
            Map.of("UA", UncertaintyConfig.normal(0.05)), nominals, new SplittableRandom(5));
    Map<String, Double> withOthers =
        ParameterUncertainty.sampleAll(
            Map.of(
                "Ti", UncertaintyConfig.uniform(0.01),
                "UA", UncertaintyConfig.normal(0.05),
                "k0", UncertaintyConfig.uniform(0.2)),
            nominals,
            new SplittableRandom(5));
    assertEquals(alone.get("UA"), withOthers.get("UA"));
    assertNotEquals(350.0, withOthers.get("Ti"));
  }

  @Test
  void sampleAllReproducesWithTheSameSeedAndDiffersWithAnother() {
    Map<String, Double> nominals = Map.of("UA", 5e4);
    Map<String, UncertaintyConfig> configs = Map.of("UA", UncertaintyConfig.uniform(0.1));
    double a = ParameterUncertainty.sampleAll(configs, nominals, new SplittableRandom(6)).get("UA");
    double b = ParameterUncertainty.sampleAll(configs, nominals, new SplittableRandom(6)).get("UA");
    double c = ParameterUncertainty.sampleAll(configs, nominals, new SplittableRandom(7)).get("UA");
    assertEquals(a, b);
    assertNotEquals(a, c);
  }

  @Test
  void sampleAllRejectsUncertaintyOnAnUnknownParameter() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ParameterUncertainty.sampleAll(
                    Map.of("UAA", UncertaintyConfig.normal(0.1)),
                    Map.of("UA", 5e4),
                    new SplittableRandom(8)));
    assertTrue(e.getMessage().contains("'UAA'") && e.getMessage().contains("[UA]"));
  }
}
