package org.safeloop.experiments.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.safeloop.env.process.equation.EquationModels;
import org.safeloop.env.scenario.ScenarioSpec;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.config.ExperimentSpec;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.plant.PlantSpec;
import org.safeloop.shield.Shields;
import org.safeloop.shield.constraint.ShieldSpec;

/**
 * Keeps the documentation honest: every YAML example marked {@code <!-- example: KIND -->} in
 * {@code docs/} loads with the loader of its kind, and each file-format reference page lists in its
 * key tables exactly the keys the loader binds (the snake_case component names of the records it
 * reads, walked through nested records, lists and map values).
 *
 * <p>A key table is a Markdown table whose first header cell is {@code key}; every backticked name
 * in its first column counts, split at dots ({@code connection.host} names {@code connection} and
 * {@code host}); segments in angle brackets ({@code observations.<signal>}) are user-chosen map
 * keys and {@code []} marks a list.
 */
class DocumentationTest {

  /** Runs from the experiments module, so the docs are one folder up. */
  private static final Path DOCS =
      Files.isDirectory(Path.of("../docs")) ? Path.of("../docs") : Path.of("docs");

  private static final Pattern EXAMPLE =
      Pattern.compile(
          "<!--\\s*example:\\s*([a-z-]+)\\s*-->\\s*\\n```ya?ml\\s*\\n(.*?)\\n```", Pattern.DOTALL);

  private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");

  private static final Pattern SEGMENT = Pattern.compile("[a-z][a-z0-9_]*");

  /** Each reference page, the record its loader binds, and keys the page may name besides. */
  private record ReferencePage(String page, Class<?> root, Set<String> documentedExceptions) {
    @Override
    public String toString() {
      return page;
    }
  }

  static Stream<ReferencePage> referencePages() throws ClassNotFoundException {
    // The equation file's record is package-private: its component names are still public facts.
    Class<?> equationFile = Class.forName("org.safeloop.env.process.equation.EquationFile");
    return Stream.of(
        new ReferencePage("reference/scenario.md", ScenarioSpec.class, Set.of()),
        new ReferencePage("reference/model.md", equationFile, Set.of()),
        new ReferencePage("reference/constraints.md", ShieldSpec.class, Set.of()),
        new ReferencePage("reference/experiment.md", ExperimentSpec.class, Set.of()),
        new ReferencePage("reference/plant.md", PlantSpec.class, Set.of()));
  }

  @TempDir Path dir;

  @Test
  void everyMarkedYamlExampleInTheDocsLoadsWithItsLoader() throws IOException {
    List<String> failures = new ArrayList<>();
    int count = 0;
    for (Path page : markdownPages()) {
      String text = read(page);
      Matcher m = EXAMPLE.matcher(text);
      while (m.find()) {
        count++;
        String kind = m.group(1);
        // The marker's line, so that a message points at the page's example, not a temp file.
        long line = 1 + text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
        String where = DOCS.relativize(page) + ":" + line + " (" + kind + " example)";
        try {
          load(kind, m.group(2), where);
        } catch (RuntimeException e) {
          failures.add(where + ": " + e.getMessage());
        }
      }
    }
    assertTrue(count >= 5, "expected a marked example per file format, found " + count);
    assertTrue(
        failures.isEmpty(), "doc examples that do not load:\n" + String.join("\n", failures));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("referencePages")
  void referencePageHasACompleteExampleOfItsFormat(ReferencePage ref) throws IOException {
    Path page = DOCS.resolve(ref.page());
    assertTrue(Files.isRegularFile(page), "missing reference page " + page);
    assertTrue(EXAMPLE.matcher(read(page)).find(), ref.page() + " has no marked YAML example");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("referencePages")
  void referenceTablesListExactlyTheKeysTheLoaderBinds(ReferencePage ref) throws IOException {
    Set<String> documented = documentedKeys(DOCS.resolve(ref.page()));
    assertFalse(documented.isEmpty(), ref.page() + " has no table whose first column is 'key'");
    Set<String> bound = new TreeSet<>();
    collectKeys(ref.root(), bound, new java.util.HashSet<>());
    Set<String> missing = new TreeSet<>(bound);
    missing.removeAll(documented);
    Set<String> extra = new TreeSet<>(documented);
    extra.removeAll(bound);
    extra.removeAll(ref.documentedExceptions());
    assertEquals(
        "",
        (missing.isEmpty() ? "" : "keys the loader binds but the page does not list: " + missing)
            + (extra.isEmpty()
                ? ""
                : " keys the page lists but the loader does not bind: " + extra),
        ref.page() + " against " + ref.root().getSimpleName());
  }

  @Test
  void keyWalkFindsNestedRecordsListsAndMapValues() {
    Set<String> keys = new TreeSet<>();
    collectKeys(PlantSpec.class, keys, new java.util.HashSet<>());
    // connection (nested record), observations -> TagSpec (map value), advisory.recommended.
    assertTrue(
        keys.containsAll(Set.of("connection", "connect_timeout_ms", "word_order")), keys::toString);
    Set<String> scenario = new TreeSet<>();
    collectKeys(ScenarioSpec.class, scenario, new java.util.HashSet<>());
    // setpoints: Map<String, List<SetpointSegment>>; realism.sensors: Map<String, SensorConfig>.
    assertTrue(scenario.containsAll(Set.of("steps", "noise_std", "process_variable", "time_step")));
    assertEquals("max_age_s", snakeCase("maxAgeS"));
  }

  private void load(String kind, String yaml, String where) throws RuntimeException {
    try {
      switch (kind) {
        case "scenario" -> Scenarios.load(write("scenario.yaml", yaml));
        case "model" -> EquationModels.parse(yaml, where);
        case "constraints" -> Shields.load(write("example.shield.yaml", yaml));
        case "experiment" -> Experiment.parse(yaml, where);
        case "plant" -> PlantFile.parse(yaml, where);
        default -> fail(where + ": unknown example kind '" + kind + "'");
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path write(String name, String text) throws IOException {
    Path file = Files.createTempDirectory(dir, "example").resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  private static List<Path> markdownPages() throws IOException {
    try (Stream<Path> files = Files.walk(DOCS)) {
      return files.filter(p -> p.toString().endsWith(".md")).sorted().toList();
    }
  }

  private static String read(Path page) throws IOException {
    return Files.readString(page, StandardCharsets.UTF_8).replace("\r\n", "\n");
  }

  /** The names in the first column of every table headed {@code key}. */
  static Set<String> documentedKeys(Path page) throws IOException {
    Set<String> keys = new TreeSet<>();
    boolean inKeyTable = false;
    boolean header = false;
    for (String line : read(page).split("\n")) {
      String trimmed = line.strip();
      if (!trimmed.startsWith("|")) {
        inKeyTable = false;
        header = false;
        continue;
      }
      String first = trimmed.substring(1).split("(?<!\\\\)\\|", -1)[0].strip();
      if (!inKeyTable && !header) {
        header = true;
        inKeyTable = first.equals("key");
        continue;
      }
      if (!inKeyTable || first.matches("[-: ]+")) {
        continue;
      }
      Matcher m = BACKTICKED.matcher(first);
      while (m.find()) {
        for (String segment : m.group(1).split("\\.")) {
          String name = segment.replace("[]", "").strip();
          if (name.startsWith("<")) {
            continue; // a user-chosen map key, e.g. observations.<signal>
          }
          assertTrue(
              SEGMENT.matcher(name).matches(),
              page
                  + ": '"
                  + m.group(1)
                  + "' is not a key path (snake_case names, dots, <name>, [])");
          keys.add(name);
        }
      }
    }
    return keys;
  }

  /** Adds the snake_case names of {@code type}'s components and of every record they reach. */
  static void collectKeys(Class<?> type, Set<String> keys, Set<Class<?>> seen) {
    if (!type.isRecord() || !seen.add(type)) {
      return;
    }
    for (RecordComponent c : type.getRecordComponents()) {
      keys.add(snakeCase(c.getName()));
      collectKeys(c.getGenericType(), keys, seen);
    }
  }

  private static void collectKeys(Type type, Set<String> keys, Set<Class<?>> seen) {
    if (type instanceof Class<?> c) {
      collectKeys(c, keys, seen);
    } else if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
      Type[] args = p.getActualTypeArguments();
      if (List.class.isAssignableFrom(raw) || Set.class.isAssignableFrom(raw)) {
        collectKeys(args[0], keys, seen);
      } else if (Map.class.isAssignableFrom(raw)) {
        collectKeys(args[1], keys, seen);
      }
    }
  }

  /** {@code maxAgeS} -> {@code max_age_s}, as the YAML binding spells record components. */
  static String snakeCase(String camel) {
    StringBuilder out = new StringBuilder();
    for (char ch : camel.toCharArray()) {
      if (Character.isUpperCase(ch)) {
        out.append('_').append(Character.toLowerCase(ch));
      } else {
        out.append(ch);
      }
    }
    return out.toString();
  }
}
