package org.safeloop.env.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlConfigDocumentTest {

  record Item(String name, double value) {
    Item {
      FieldException.require(value >= 0, "value", "must be >= 0");
    }
  }

  record Root(String title, List<Item> items, Map<String, Item> byName) {}

  private static final String TEXT =
      """
      title: demo
      items:
        - name: a
          value: 1
        - name: b
          value: 2
      by_name:
        first: {name: c, value: 3}
      """;

  @Test
  void indexesTheLineOfEveryField() {
    YamlConfig.Document<Root> doc = YamlConfig.parseDocument(TEXT, "t.yaml", Root.class);
    assertEquals(1, doc.lineOf("title"));
    assertEquals(3, doc.lineOf("items[0]"));
    assertEquals(4, doc.lineOf("items[0].value"));
    assertEquals(6, doc.lineOf("items[1].value"));
    assertEquals(8, doc.lineOf("by_name.first.value"));
    assertEquals(2, doc.value().items().size());
  }

  @Test
  void aRecordsValidationIsReportedAtItsFieldsLine() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> YamlConfig.parse(TEXT.replace("value: 2", "value: -2"), "t.yaml", Root.class));
    assertEquals("items[1].value", e.field());
    assertEquals(6, e.line());
    assertEquals("t.yaml:6: field 'items[1].value': must be >= 0", e.getMessage());
  }

  @Test
  void anEmptyFileIsAnError() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> YamlConfig.parse("", "t.yaml", Root.class));
    assertEquals("t.yaml: the file is empty", e.getMessage());
  }
}
