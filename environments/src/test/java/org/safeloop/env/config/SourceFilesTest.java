package org.safeloop.env.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.ScenarioSpec;
import org.safeloop.env.scenario.Scenarios;

/**
 * Reading configuration files: bounded, UTF-8 only, and recorded with the hash of what was read.
 */
class SourceFilesTest {
  @TempDir Path dir;

  @Test
  void aBinaryFileIsNotUtf8TextAndTheMessageSaysWhere() throws IOException {
    Path file = dir.resolve("scenario.yaml");
    byte[] bytes = "name: x\nsteps: 60\n\u0000".getBytes(StandardCharsets.UTF_8);
    byte[] binary = new byte[bytes.length + 2];
    System.arraycopy(bytes, 0, binary, 0, bytes.length);
    binary[bytes.length] = (byte) 0xff;
    binary[bytes.length + 1] = (byte) 0xfe;
    Files.write(file, binary);

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> YamlConfig.readDocument(file, ScenarioSpec.class));

    assertTrue(e.getMessage().contains("is not UTF-8 text"), e.getMessage());
    assertTrue(e.getMessage().contains("0xFF"), e.getMessage());
    assertEquals(3, e.line());
    assertEquals(file.toString(), e.file());
  }

  @Test
  void anEndlessDeviceIsRefusedAfterTheLimitInsteadOfFillingMemory() {
    SourceFiles sources = new SourceFiles();

    ConfigException e =
        assertThrows(ConfigException.class, () -> sources.read(Path.of("/dev/zero"), "model"));

    assertTrue(
        e.getMessage().contains("larger than " + SourceFiles.MAX_CONFIG_BYTES), e.getMessage());
    assertTrue(sources.list().isEmpty(), "nothing recorded for a file not read");
  }

  @Test
  void aScenarioWhoseProcessIsDevZeroIsRefusedNamingTheFile() throws IOException {
    // The equation file is a symbolic link to /dev/zero beside the scenario.
    Path link = dir.resolve("endless.yaml");
    Files.createSymbolicLink(link, Path.of("/dev/zero"));
    Path scenario = dir.resolve("zero.yaml");
    Files.writeString(
        scenario,
        Files.readString(resource("scenarios/cstr-equations.yaml"))
            .replace("process: models/cstr-equations.yaml", "process: endless.yaml"));

    ConfigException e = assertThrows(ConfigException.class, () -> Scenarios.load(scenario));

    assertTrue(e.getMessage().contains(link.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("larger than"), e.getMessage());
  }

  @Test
  void aDirectoryIsNamedAsOne() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> new SourceFiles().read(dir, "scenario"));

    assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
  }

  @Test
  void eachFileIsRecordedWithTheHashOfTheBytesRead() throws IOException {
    Path file = Files.writeString(dir.resolve("a.yaml"), "name: a\n");
    SourceFiles sources = new SourceFiles();

    byte[] bytes = sources.read(file, "scenario");

    assertEquals(1, sources.list().size());
    SourceFiles.Source source = sources.list().get(0);
    assertEquals("scenario", source.kind());
    assertEquals(file.toAbsolutePath().toString(), source.location());
    assertEquals(SourceFiles.sha256(bytes), source.sha256());
    assertEquals(64, source.sha256().length());
  }

  private static Path resource(String name) {
    try {
      return Path.of(SourceFilesTest.class.getClassLoader().getResource(name).toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
