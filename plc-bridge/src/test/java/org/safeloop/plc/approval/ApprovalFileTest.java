package org.safeloop.plc.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.safeloop.plc.approval.ApprovalCheck.Outcome;

/** Malformed approval files are refused with a message naming the file and the field. */
class ApprovalFileTest {
  private static final KeyPair MANAGER = ApprovalKeys.generate();
  private static final Clock NOW =
      Clock.fixed(Instant.parse("2025-06-02T08:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private Path file;
  private String valid;

  @BeforeEach
  void writeAValidApproval() throws IOException {
    Path bundle = Files.writeString(dir.resolve("p.bundle"), "weights");
    Path shield = Files.writeString(dir.resolve("s.yaml"), "shield");
    Path plant = Files.writeString(dir.resolve("plant.yaml"), "plant");
    file = dir.resolve("approval.json");
    Approvals.save(
        Approvals.sign(
            RawFiles.of(bundle, shield, plant),
            "advisory",
            "J. Meyer",
            Instant.parse("2025-07-01T00:00:00Z"),
            "",
            MANAGER,
            NOW),
        file);
    valid = Files.readString(file);
  }

  @ParameterizedTest(name = "{2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "\"valid_until\" : \"2025-07-01T00:00:00Z\" | \"valid_until\" : \"next July\""
            + " | field 'valid_until' must be an ISO-8601 UTC instant",
        "\"valid_until\" : \"2025-07-01T00:00:00Z\", | " + " | field 'valid_until' is missing",
        "\"mode\" : \"advisory\" | \"mode\" : 3 | field 'mode' must be a string",
        "\"format\" : 2 | \"format\" : 3 | field 'format' is 3",
        "\"format\" : 2 | \"format\" : 1 | approvals of format 1 bind only the three files",
        "\"approver\" : \"J. Meyer\" | \"approver\" : \"  \" | approver must not be blank",
        "\"comment\" : \"\" | \"comment\" : \"\", \"override\" : true | unknown field 'override'",
        "\"name\" : \"s.yaml\" | \"name\" : \"s.yaml\", \"size\" : 6 | unknown field 'shield.size'",
        "\"name\" : \"p.bundle\", | \"name\" : \"p.bundle\", \"sha256\" : \"00\", "
            + " | Duplicate field 'sha256'",
        "\"comment\" : \"\" | \"comment\" : \"\", \"comment\" : \"ok\" | Duplicate field 'comment'",
      })
  void aMalformedFieldIsRefusedNamingTheFileAndTheField(
      String original, String replacement, String expected) throws IOException {
    String edited = valid.replace(original, replacement == null ? "" : replacement);
    assertTrue(!edited.equals(valid), "the edit must change the file");
    Files.writeString(file, edited);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Approvals.load(file));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void aFileHashThatIsNotSha256HexIsRefusedNamingItsField() throws IOException {
    String hash = Approvals.load(file).plant().sha256();
    Files.writeString(file, valid.replace(hash, hash.toUpperCase()));

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Approvals.load(file));

    assertTrue(e.getMessage().contains("field 'plant.sha256'"), e.getMessage());
  }

  @Test
  void aFileThatIsNotJsonIsRefusedAndVerifiesAsUnreadable() throws IOException {
    Files.writeString(file, valid.substring(0, valid.length() / 2));

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Approvals.load(file));
    assertTrue(e.getMessage().contains("is not valid JSON"), e.getMessage());

    ApprovalCheck check =
        Approvals.verifyFile(
            file,
            MANAGER.getPublic(),
            RawFiles.of(dir.resolve("p.bundle"), dir.resolve("s.yaml"), dir.resolve("plant.yaml")),
            "advisory",
            NOW);
    assertEquals(Outcome.UNREADABLE, check.outcome());
    assertTrue(check.message().contains(file.toString()), check.message());
  }

  @Test
  void aJsonArrayIsRefusedAsNotAnApproval() throws IOException {
    Files.writeString(file, "[1, 2]");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Approvals.load(file));
    assertTrue(e.getMessage().contains("must hold one JSON object"), e.getMessage());
  }
}
