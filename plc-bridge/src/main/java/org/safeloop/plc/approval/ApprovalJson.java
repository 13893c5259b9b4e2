package org.safeloop.plc.approval;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The approval file: one JSON object with fields in a fixed order, written by hand rather than by
 * data binding so that the file format cannot drift with the record. The signature does not cover
 * this text (see {@link Approval}), so formatting is free; unknown and duplicate fields are refused
 * because a reader of the file could take them for approved content.
 *
 * <pre>{@code
 * {
 *   "format" : 2,
 *   "approver" : "J. Meyer",
 *   "mode" : "closed-loop",
 *   "bundle" : { "name" : "cstr-ppo.bundle", "sha256" : "3f1a...", "depends_on" : [ ] },
 *   "shield" : { "name" : "cstr-shield.yaml", "sha256" : "...", "depends_on" : [
 *       { "kind" : "scenario", "location" : "/plant/reactor-3/cstr.yaml", "sha256" : "..." },
 *       { "kind" : "model", "location" : "/plant/reactor-3/models/cstr.yaml", "sha256" : "..." } ] },
 *   "plant" : { "name" : "reactor-3.yaml", "sha256" : "...", "depends_on" : [ ] },
 *   "issued_at" : "2025-06-02T08:00:00Z",
 *   "valid_until" : "2025-06-30T18:00:00Z",
 *   "comment" : "after 14 days of shadow operation",
 *   "key_fingerprint" : "9b2e...",
 *   "signature" : "base64..."
 * }
 * }</pre>
 */
final class ApprovalJson {
  static final int FORMAT = 2;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Set<String> FIELDS =
      Set.of(
          "format",
          "approver",
          "mode",
          "bundle",
          "shield",
          "plant",
          "issued_at",
          "valid_until",
          "comment",
          "key_fingerprint",
          "signature");
  private static final Set<String> FILE_FIELDS = Set.of("name", "sha256", "depends_on");
  private static final Set<String> DEPENDENCY_FIELDS = Set.of("kind", "location", "sha256");

  private ApprovalJson() {}

  static void write(Approval approval, Path file) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("approver", approval.approver());
    root.put("mode", approval.mode());
    root.set("bundle", fileNode(approval.bundle()));
    root.set("shield", fileNode(approval.shield()));
    root.set("plant", fileNode(approval.plant()));
    root.put("issued_at", approval.issuedAt().toString());
    root.put("valid_until", approval.validUntil().toString());
    root.put("comment", approval.comment());
    root.put("key_fingerprint", approval.keyFingerprint());
    root.put("signature", approval.signature());
    try {
      byte[] text = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temporary = Files.createTempFile(parent, ".approval", ".tmp");
      try {
        byte[] withNewline = Arrays.copyOf(text, text.length + 1);
        withNewline[text.length] = '\n';
        Files.write(temporary, withNewline);
        // One rename, so a reader never sees half an approval.
        try {
          Files.move(
              temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temporary);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write approval file " + file, e);
    }
  }

  static Approval read(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("approval file " + file + " not found", e);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "approval file " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read approval file " + file + ": " + e, e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(
          "approval file " + file + " must hold one JSON object, found " + describe(root));
    }
    Reader in = new Reader(file);
    in.noUnknownFields(root, FIELDS, "");
    JsonNode format = in.required(root, "format");
    if (format.isInt() && format.intValue() == 1) {
      throw in.bad(
          "format",
          "is 1: approvals of format 1 bind only the three files named, not the scenario and"
              + " model files a shield depends on; sign a new approval (safeloop approve)");
    }
    if (!format.isInt() || format.intValue() != FORMAT) {
      throw in.bad(
          "format", "is " + format + "; this SafeLoop reads approval format " + FORMAT + "");
    }
    String approver = in.text(root, "approver");
    String mode = in.text(root, "mode");
    Approval.ApprovedFile bundle = in.file(root, "bundle");
    Approval.ApprovedFile shield = in.file(root, "shield");
    Approval.ApprovedFile plant = in.file(root, "plant");
    Instant issuedAt = in.instant(root, "issued_at");
    Instant validUntil = in.instant(root, "valid_until");
    String comment = in.text(root, "comment");
    String keyFingerprint = in.sha256(root, "key_fingerprint");
    String signature = in.text(root, "signature");
    try {
      return new Approval(
          approver,
          mode,
          bundle,
          shield,
          plant,
          issuedAt,
          validUntil,
          comment,
          keyFingerprint,
          signature);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("approval file " + file + ": " + e.getMessage(), e);
    }
  }

  private static ObjectNode fileNode(Approval.ApprovedFile approved) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", approved.name());
    node.put("sha256", approved.sha256());
    ArrayNode dependsOn = node.putArray("depends_on");
    for (Approval.Dependency d : approved.dependsOn()) {
      ObjectNode dependency = dependsOn.addObject();
      dependency.put("kind", d.kind());
      dependency.put("location", d.location());
      dependency.put("sha256", d.sha256());
    }
    return node;
  }

  private static String describe(JsonNode node) {
    return node == null || node.isMissingNode() ? "nothing" : node.getNodeType().toString();
  }

  /** Field access that names the file and field in every error. */
  private record Reader(Path file) {
    IllegalArgumentException bad(String field, String problem) {
      return new IllegalArgumentException(
          "approval file " + file + ": field '" + field + "' " + problem);
    }

    void noUnknownFields(JsonNode object, Set<String> known, String prefix) {
      for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!known.contains(name)) {
          throw new IllegalArgumentException(
              "approval file "
                  + file
                  + ": unknown field '"
                  + prefix
                  + name
                  + "' (fields outside the signed content are not accepted)");
        }
      }
    }

    JsonNode required(JsonNode object, String field) {
      return required(object, field, field);
    }

    JsonNode required(JsonNode object, String name, String path) {
      JsonNode value = object.get(name);
      if (value == null || value.isNull()) {
        throw bad(path, "is missing");
      }
      return value;
    }

    String text(JsonNode object, String field) {
      return text(object, field, field);
    }

    String text(JsonNode object, String name, String path) {
      JsonNode value = required(object, name, path);
      if (!value.isTextual()) {
        throw bad(path, "must be a string, found " + describe(value));
      }
      return value.textValue();
    }

    String sha256(JsonNode object, String name) {
      return sha256(object, name, name);
    }

    String sha256(JsonNode object, String name, String path) {
      String value = text(object, name, path);
      if (!Approval.isSha256Hex(value)) {
        throw bad(path, "must be 64 lowercase hex digits (a SHA-256), found '" + value + "'");
      }
      return value;
    }

    Instant instant(JsonNode object, String field) {
      String value = text(object, field);
      try {
        return Instant.parse(value);
      } catch (DateTimeParseException e) {
        throw bad(
            field,
            "must be an ISO-8601 UTC instant such as 2025-06-30T18:00:00Z, found '" + value + "'");
      }
    }

    Approval.ApprovedFile file(JsonNode root, String field) {
      JsonNode node = required(root, field);
      if (!node.isObject()) {
        throw bad(field, "must be an object with 'name' and 'sha256', found " + describe(node));
      }
      noUnknownFields(node, FILE_FIELDS, field + ".");
      String name = text(node, "name", field + ".name");
      String sha256 = sha256(node, "sha256", field + ".sha256");
      JsonNode list = required(node, "depends_on", field + ".depends_on");
      if (!list.isArray()) {
        throw bad(field + ".depends_on", "must be a list, found " + describe(list));
      }
      List<Approval.Dependency> dependsOn = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        String path = field + ".depends_on[" + i + "]";
        JsonNode d = list.get(i);
        if (!d.isObject()) {
          throw bad(path, "must be an object with 'kind', 'location' and 'sha256'");
        }
        noUnknownFields(d, DEPENDENCY_FIELDS, path + ".");
        dependsOn.add(
            new Approval.Dependency(
                text(d, "kind", path + ".kind"),
                text(d, "location", path + ".location"),
                sha256(d, "sha256", path + ".sha256")));
      }
      return new Approval.ApprovedFile(name, sha256, dependsOn);
    }
  }
}
