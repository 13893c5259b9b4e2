package org.safeloop.env.observation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.FieldException;
import org.safeloop.env.observation.ObservationOptions.ErrorIntegral;
import org.safeloop.env.observation.ObservationOptions.Filter;
import org.safeloop.env.observation.ObservationOptions.Preview;

/** Analytic checks of each derived signal on a one-loop plant: x measured, x_setpoint, input u. */
class ObservationBuilderTest {
  private static final double DT = 0.5;
  private static final SignalSpace PLANT =
      new SignalSpace(
          List.of(
              new SignalSpec("x", "m", 0.0, 2.0),
              new SignalSpec("y", "K", 300.0, 350.0),
              new SignalSpec("x_setpoint", "m", 0.0, 2.0)));
  private static final SignalSpace ACTIONS =
      new SignalSpace(List.of(new SignalSpec("u", "V", 0.0, 10.0)));

  private static ObservationDesign design(ObservationOptions options) {
    return new ObservationDesign(options, PLANT, 2, List.of("x"), ACTIONS, DT, "s");
  }

  private static Observation plant(double x, double setpoint) {
    return Observation.good(new double[] {x, 320.0, setpoint});
  }

  @Test
  void allOptionsOffLeaveThePlantSignalsAsTheyAre() {
    ObservationDesign d = design(ObservationOptions.none());
    assertEquals(PLANT, d.space());
    assertTrue(d.derivedSignals().isEmpty());
    Observation o = d.newBuilder().observe(plant(1.2, 1.0), new double[] {3.0}, null);
    assertArrayEquals(new double[] {1.2, 320.0, 1.0}, o.values());
  }

  @Test
  void aDesignRebuiltFromItsRecordObservesExactlyAsTheOriginal() {
    ObservationDesign d =
        design(
            new ObservationOptions(
                true,
                new ErrorIntegral(Map.of("x", 0.4)),
                new Filter(2.0, List.of("y")),
                true,
                new Preview(2)));
    // As a bundle reads it back from JSON: integers where the record had whole numbers.
    Map<String, Object> record = new java.util.LinkedHashMap<>(d.toRecord());
    record.put("measured_count", 2);
    ObservationDesign again = ObservationDesign.fromRecord(record, PLANT, ACTIONS);
    assertEquals(d.space(), again.space());
    assertEquals(d.derivedSignals(), again.derivedSignals());
    ObservationBuilder a = d.newBuilder();
    ObservationBuilder b = again.newBuilder();
    for (int k = 0; k < 5; k++) {
      Observation p = plant(1.0 + 0.1 * k, 1.2);
      double[] previous = {k};
      double[][] preview = {{1.2, 1.3}};
      assertEquals(a.observe(p, previous, preview), b.observe(p, previous, preview), "step " + k);
    }
    record.put("tracked", "x");
    assertThrows(
        IllegalArgumentException.class, () -> ObservationDesign.fromRecord(record, PLANT, ACTIONS));
  }

  @Test
  void everyOptionAddsNamedSignalsWithUnitsAndBoundsInTheDocumentedOrder() {
    ObservationDesign d =
        design(
            new ObservationOptions(
                true,
                new ErrorIntegral(Map.of("x", 0.4)),
                new Filter(2.0, List.of("y")),
                true,
                new Preview(2)));
    assertEquals(
        List.of(
            "x",
            "y",
            "x_setpoint",
            "x_error",
            "x_error_integral",
            "y_filtered",
            "u_previous",
            "x_setpoint_ahead_1",
            "x_setpoint_ahead_2"),
        d.space().names());
    assertEquals(d.space().names().subList(3, 9), d.derivedSignals());
    assertEquals(new SignalSpec("x_error", "m", -2.0, 2.0), d.space().get(3));
    assertEquals(new SignalSpec("x_error_integral", "m*s", -0.4, 0.4), d.space().get(4));
    assertEquals(new SignalSpec("y_filtered", "K", 300.0, 350.0), d.space().get(5));
    assertEquals(new SignalSpec("u_previous", "V", 0.0, 10.0), d.space().get(6));
    assertEquals(new SignalSpec("x_setpoint_ahead_2", "m", 0.0, 2.0), d.space().get(8));
  }

  @Test
  void theTrackingErrorIsTheMeasurementMinusTheSetpoint() {
    ObservationBuilder b =
        design(new ObservationOptions(true, null, null, null, null)).newBuilder();
    assertEquals(0.25, b.observe(plant(1.25, 1.0), null, null).value(3), 1e-15);
    assertEquals(-0.5, b.observe(plant(0.5, 1.0), null, null).value(3), 1e-15);
  }

  @Test
  void theErrorIntegralSumsErrorTimesTheIntervalAndStopsAtItsBound() {
    ObservationBuilder b =
        design(new ObservationOptions(null, new ErrorIntegral(Map.of("x", 0.4)), null, null, null))
            .newBuilder();
    // An error of 0.3 for 0.5 s adds 0.15 per step: 0.15, 0.30, then clamped at 0.40.
    assertEquals(0.15, b.observe(plant(1.3, 1.0), null, null).value(3), 1e-12);
    assertEquals(0.30, b.observe(plant(1.3, 1.0), null, null).value(3), 1e-12);
    assertEquals(0.40, b.observe(plant(1.3, 1.0), null, null).value(3), 1e-12);
    assertEquals(0.40, b.observe(plant(1.3, 1.0), null, null).value(3), 1e-12);
    // Anti-windup: one step of the opposite error leaves the bound at once.
    assertEquals(0.25, b.observe(plant(0.7, 1.0), null, null).value(3), 1e-12);
    b.reset();
    assertEquals(-0.15, b.observe(plant(0.7, 1.0), null, null).value(3), 1e-12);
  }

  @Test
  void theDefaultIntegralBoundIsTheSpanTimesOneControlInterval() {
    ObservationDesign d =
        design(new ObservationOptions(null, new ErrorIntegral(null), null, null, null));
    assertEquals(2.0 * DT, d.integralBound(0), 1e-15);
    assertEquals(new SignalSpec("x_error_integral", "m*s", -1.0, 1.0), d.space().get(3));
  }

  @Test
  void aDroppedMeasurementHoldsTheIntegralWithUncertainQuality() {
    ObservationBuilder b =
        design(new ObservationOptions(null, new ErrorIntegral(null), null, null, null))
            .newBuilder();
    b.observe(plant(1.2, 1.0), null, null);
    Observation dropped =
        b.observe(
            new Observation(
                new double[] {Double.NaN, 320.0, 1.0},
                new Quality[] {Quality.BAD, Quality.GOOD, Quality.GOOD}),
            null,
            null);
    assertEquals(0.1, dropped.value(3), 1e-12);
    assertEquals(Quality.UNCERTAIN, dropped.quality(3));
  }

  @Test
  void theFilterFollowsTheAnalyticStepResponseOfAFirstOrderLag() {
    double tau = 2.0;
    ObservationBuilder b =
        design(new ObservationOptions(null, null, new Filter(tau, List.of("x")), null, null))
            .newBuilder();
    assertEquals(0.0, b.observe(plant(0.0, 1.0), null, null).value(3), 0.0);
    for (int k = 1; k <= 20; k++) {
      double filtered = b.observe(plant(1.0, 1.0), null, null).value(3);
      assertEquals(1.0 - Math.exp(-k * DT / tau), filtered, 1e-12, "step " + k);
    }
  }

  @Test
  void theFilterStartsAtTheFirstMeasurementAndHoldsThroughADropout() {
    ObservationBuilder b =
        design(new ObservationOptions(null, null, new Filter(1.0, null), null, null)).newBuilder();
    Observation first = b.observe(plant(1.5, 1.0), null, null);
    assertEquals(1.5, first.value(3), 0.0);
    assertEquals(320.0, first.value(4), 0.0);
    Observation dropped =
        b.observe(
            new Observation(
                new double[] {Double.NaN, 320.0, 1.0},
                new Quality[] {Quality.BAD, Quality.GOOD, Quality.GOOD}),
            null,
            null);
    assertEquals(1.5, dropped.value(3), 0.0);
    assertEquals(Quality.UNCERTAIN, dropped.quality(3));
  }

  @Test
  void thePreviousActionAndThePreviewAreCopiedAsGiven() {
    ObservationBuilder b =
        design(new ObservationOptions(null, null, null, true, new Preview(3))).newBuilder();
    Observation o = b.observe(plant(1.0, 1.0), new double[] {7.5}, new double[][] {{1, 1.5, 2}});
    assertArrayEquals(new double[] {1.0, 320.0, 1.0, 7.5, 1.0, 1.5, 2.0}, o.values());
    assertThrows(
        IllegalArgumentException.class,
        () -> b.observe(plant(1.0, 1.0), new double[] {7.5}, null),
        "a preview design without a preview is refused, not filled");
  }

  @Test
  void optionsThatNameUnknownSignalsBlameTheirField() {
    FieldException filter =
        assertThrows(
            FieldException.class,
            () ->
                design(
                    new ObservationOptions(null, null, new Filter(1.0, List.of("z")), null, null)));
    assertEquals("filter.signals[0]", filter.field());
    FieldException bound =
        assertThrows(
            FieldException.class,
            () ->
                design(
                    new ObservationOptions(
                        null, new ErrorIntegral(Map.of("y", 1.0)), null, null, null)));
    assertEquals("error_integral.bounds.y", bound.field());
    FieldException tau = assertThrows(FieldException.class, () -> new Filter(0.0, null));
    assertEquals("time_constant", tau.field());
    FieldException steps = assertThrows(FieldException.class, () -> new Preview(0));
    assertEquals("steps", steps.field());
  }
}
