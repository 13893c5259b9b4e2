package org.safeloop.env.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.SourceFiles;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.env.process.ProcessModel;
import org.safeloop.env.process.ProcessModels;
import org.safeloop.env.process.equation.EquationModels;

/**
 * Loads scenarios: the built-in ones by name ({@code cstr-tracking}, ...) or any scenario file by
 * path. A scenario's {@code process} is a registered model name or, when it ends in {@code .yaml},
 * an equation model file relative to the scenario file (for built-in scenarios: a resource relative
 * to the class-path root). Thread-safe.
 */
public final class Scenarios {
  private static final String RESOURCE_DIR = "scenarios/";

  /** The built-in scenario names, in the order a listing shows them. */
  private static final List<String> BUILT_IN =
      List.of(
          "cstr-tracking",
          "cstr-constrained",
          "four-tank",
          "first-order",
          "fopdt",
          "cstr-equations");

  private Scenarios() {}

  /** Returns the names of the built-in scenarios. */
  public static List<String> builtInNames() {
    return BUILT_IN;
  }

  /**
   * Loads a built-in scenario by name, or a scenario file when {@code nameOrPath} is an existing
   * file or ends in {@code .yaml}/{@code .yml}.
   *
   * @throws ConfigException naming the file, line and field of the first problem
   * @throws IllegalArgumentException for an unknown built-in name, listing the known ones
   */
  public static Scenario load(String nameOrPath) {
    return load(nameOrPath, new SourceFiles());
  }

  /**
   * Loads a scenario like {@link #load(String)}, recording in {@code sources} every file read (the
   * scenario file and its equation model file, or the built-in resources).
   */
  public static Scenario load(String nameOrPath, SourceFiles sources) {
    Path path = Path.of(nameOrPath);
    if (Files.isRegularFile(path) || nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml")) {
      return load(path, sources);
    }
    if (!BUILT_IN.contains(nameOrPath)) {
      throw new IllegalArgumentException(
          "unknown scenario '"
              + nameOrPath
              + "'; built-in scenarios are "
              + BUILT_IN
              + ", or give a scenario file");
    }
    String resource = RESOURCE_DIR + nameOrPath + ".yaml";
    YamlConfig.Document<ScenarioSpec> doc =
        YamlConfig.parseDocument(
            readResource(resource, "scenario", sources), resource, ScenarioSpec.class);
    ProcessModel model = resolveModel(doc, null, sources);
    return Scenario.resolve(doc, model);
  }

  /**
   * Loads a scenario file.
   *
   * @throws ConfigException naming the file, line and field of the first problem
   */
  public static Scenario load(Path file) {
    return load(file, new SourceFiles());
  }

  /**
   * Loads a scenario file like {@link #load(Path)}, recording in {@code sources} the scenario file
   * and the equation model file it names, with the hashes of the bytes parsed.
   */
  public static Scenario load(Path file, SourceFiles sources) {
    YamlConfig.Document<ScenarioSpec> doc =
        YamlConfig.readDocument(file, ScenarioSpec.class, sources, "scenario");
    Path dir = file.toAbsolutePath().getParent();
    return Scenario.resolve(doc, resolveModel(doc, dir, sources));
  }

  private static ProcessModel resolveModel(
      YamlConfig.Document<ScenarioSpec> doc, Path dir, SourceFiles sources) {
    String process = doc.value().process();
    boolean isFile = process.endsWith(".yaml") || process.endsWith(".yml");
    try {
      if (!isFile) {
        return ProcessModels.create(process);
      }
      if (dir == null) {
        return EquationModels.parse(readResource(process, "model", sources), process);
      }
      return EquationModels.load(dir.resolve(process), sources);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw doc.error("process", e.getMessage());
    }
  }

  private static String readResource(String resource, String kind, SourceFiles sources) {
    try (InputStream in = Scenarios.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("built-in resource " + resource + " is missing");
      }
      byte[] bytes = in.readAllBytes();
      sources.builtIn(resource, kind, bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
