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

  @OtherFileKind(key = "equations", message = "this is a model file")
  record Shape(
      String name,
      List<Point> points,
      Map<String, String> tags,
      Integer corners,
      Boolean closed,
      Double area) {
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
    assertEquals(new Shape("a", List.of(new Point(1.0, 2.0)), null, null, null, null), shape);
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
        "shape.yaml:1: field 'nam': unknown key 'nam'; allowed keys are [area, closed, corners, name, points, tags]",
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

  @Test
  void aFractionalNumberIsRefusedForAWholeNumberRatherThanTruncated() {
    ConfigException e = failure("name: a\ncorners: 60.5\n");
    assertEquals(
        "shape.yaml:2: field 'corners': expected a whole number, got 60.5", e.getMessage());
  }

  @Test
  void aQuotedNumberIsRefusedRatherThanReadAsTheNumber() {
    ConfigException e = failure("name: a\ncorners: \"60\"\n");
    assertEquals(
        "shape.yaml:2: field 'corners': expected a whole number, got the text '60'"
            + " (write numbers and true/false without quotes)",
        e.getMessage());
    assertEquals("area", failure("name: a\narea: \"0.5\"\n").field());
  }

  @Test
  void aNumberIsRefusedForTrueOrFalseRatherThanReadAsABoolean() {
    ConfigException e = failure("name: a\nclosed: 1\n");
    assertEquals("shape.yaml:2: field 'closed': expected true or false, got 1", e.getMessage());
  }

  @Test
  void aWholeNumberIsStillANumber() {
    Shape shape = YamlConfig.parse("name: a\narea: 10\n", "s.yaml", Shape.class);
    assertEquals(10.0, shape.area());
  }

  @Test
  void anEmptyEntryOfAMappingOrListIsAnErrorRatherThanAHole() {
    ConfigException map = failure("name: a\ntags:\n  colour: ~\n");
    assertEquals(
        "shape.yaml:3: field 'tags.colour': is empty; give a value or remove the key",
        map.getMessage());
    ConfigException list = failure("name: a\npoints:\n  - {x: 1, y: 2}\n  - ~\n");
    assertEquals("points[1]", list.field(), list.getMessage());
  }

  @Test
  void aFileHoldingASingleValueIsNotCalledEmpty() {
    ConfigException e = failure("42\n");
    assertEquals(
        "shape.yaml:1: the file holds a single value ('42'), not a mapping of keys"
            + " (write `key: value` lines at the top level)",
        e.getMessage());
    ConfigException passwd =
        failure(
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n");
    assertTrue(passwd.getMessage().contains("single value ('root:x:0:0"), passwd.getMessage());
    assertEquals("shape.yaml: the file is empty", failure("# nothing\n").getMessage());
  }

  @Test
  void aTopLevelListIsDescribedWithoutTheJavaClassName() {
    ConfigException e = failure("- a\n- b\n");
    assertEquals(
        "shape.yaml:1: the file holds a list of 2 items, not a mapping of keys"
            + " (write `key: value` lines at the top level)",
        e.getMessage());
  }

  @Test
  void aFileOfAnotherKindIsNamedRatherThanItsKeysListed() {
    ConfigException e = failure("name: a\nequations: {x: 1}\n");
    assertEquals("shape.yaml: this is a model file", e.getMessage());
  }

  @Test
  void anOverlongTextIsRefusedWithItsField() {
    ConfigException e = failure("name: a\ntags:\n  colour: " + "r".repeat(10_001) + "\n");
    assertEquals("tags.colour", e.field());
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("at most 10000"), e.getMessage());
  }
}
