package org.safeloop.env.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlConfigTest {

  record Point(Double x, Double y) {
    Point {
      FieldException.require(x != null, "x", "required");
      FieldException.require(y != null, "y", "required");
    }
  }

  record Shape(String name, List<Point> points, Map<String, String> tags) {
    Shape {
      FieldException.require(name != null, "name", "required");
    }
  }

  private static ConfigException failure(String yaml) {
    return assertThrows(
        ConfigException.class, () -> YamlConfig.parse(yaml, "shape.yaml", Shape.class));
  }

  @Test
  void validFileIsBound() {
    Shape shape = YamlConfig.parse("name: a\npoints:\n  - {x: 1, y: 2}\n", "s.yaml", Shape.class);
    assertEquals(new Shape("a", List.of(new Point(1.0, 2.0)), null), shape);
  }

  @Test
  void validationErrorNamesTheLineAndFieldOfTheRecord() {
    ConfigException e = failure("name: a\npoints:\n  - {x: 1, y: 2}\n  - {x: 1}\n");
    assertEquals("shape.yaml:4: field 'points[1].y': required", e.getMessage());
  }

  @Test
  void misspelledRequiredKeyIsReportedAsAnUnknownKeyRatherThanAsMissing() {
    ConfigException nested = failure("name: a\npoints:\n  - {x: 1, yy: 2}\n");
    assertEquals(
        "shape.yaml:3: field 'points[0].yy': unknown key 'yy'; allowed keys are [x, y]",
        nested.getMessage());
    ConfigException top = failure("nam: a\npoints: []\n");
    assertEquals(
        "shape.yaml:1: field 'nam': unknown key 'nam'; allowed keys are [name, points, tags]",
        top.getMessage());
  }

  @Test
  void duplicateKeyIsAnErrorRatherThanSilentlyReplacingTheFirst() {
    ConfigException e = failure("name: a\ntags:\n  colour: red\n  colour: blue\n");
    assertEquals(4, e.line(), e.getMessage());
    assertTrue(e.getMessage().contains("Duplicate field 'colour'"), e.getMessage());
  }

  @Test
  void syntaxErrorNamesTheLineAndTheProblemNotTheEnclosingBlock() {
    ConfigException e = failure("name: a\ntags:\n  colour: 'red'\n    size: big\n");
    assertEquals(
        "shape.yaml:4: not valid YAML: expected <block end>, but found '<block mapping start>'"
            + " (while parsing a block mapping that starts on line 3)",
        e.getMessage());
  }
}
