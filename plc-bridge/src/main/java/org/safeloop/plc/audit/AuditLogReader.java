package org.safeloop.plc.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads an audit log back, record by record, oldest first across its rotated files ({@code
 * audit.jsonl.N} .. {@code audit.jsonl.1}, then {@code audit.jsonl}), without holding it in memory.
 *
 * <p>A line cut short by a crash is skipped and reported in {@link ReadResult#truncatedLines()}:
 * the last line of a file that is not a complete record, and any line that ends in the middle of
 * its JSON (a crashed write that the writer closed with a newline when it reopened the log). Any
 * other bad line is damage the reader will not guess about: it stops with an error naming the file
 * and line. Blank lines carry no record and are passed over.
 *
 * <p>The reader also follows the log's hash chain (see {@link AuditLog}) and reports every place
 * where it breaks: records missing (a jump in {@code seq}), a line edited, inserted or moved (its
 * {@code prev} is not the hash of the line before), or a chain that starts again. It collects the
 * signed chain heads for {@link #signatureValid} to check against a trusted key.
 *
 * <p>Thread-safe: stateless.
 */
public final class AuditLogReader {

  private AuditLogReader() {}

  /**
   * What a read found besides the records.
   *
   * @param files the files read, oldest first
   * @param records how many records were read
   * @param truncatedLines the lines skipped as cut short by a crash
   */
  public record ReadResult(
      List<Path> files,
      long records,
      List<TruncatedLine> truncatedLines,
      List<ChainBreak> chainBreaks,
      long unchainedRecords,
      List<String> instances,
      List<SignedHead> signedHeads) {
    /** Copies the lists. */
    public ReadResult {
      files = List.copyOf(files);
      truncatedLines = List.copyOf(truncatedLines);
      chainBreaks = List.copyOf(chainBreaks);
      instances = List.copyOf(instances);
      signedHeads = List.copyOf(signedHeads);
    }

    /** True when every record is chained and the chain has no break. */
    public boolean chainIntact() {
      return chainBreaks.isEmpty() && unchainedRecords == 0;
    }
  }

  /**
   * A place where the hash chain breaks.
   *
   * @param file the file holding the line
   * @param lineNumber its line number in the file, from 1
   * @param seq the line's {@code seq}
   * @param problem what is wrong, e.g. {@code "records 41 to 57 are missing"}
   */
  public record ChainBreak(Path file, long lineNumber, long seq, String problem) {}

  /**
   * A {@link EventKind#CHAIN_SIGNED} event as found.
   *
   * @param seq the seq of the last record the signature covers
   * @param head the hash the signature covers
   * @param instance the writer that signed
   * @param publicKey the signer's public key as written (base64 X.509), to be checked against a
   *     trusted key
   * @param signature the base64 Ed25519 signature
   * @param matchesChain true when {@code head} and {@code seq} are the hash and seq of the line
   *     actually before the event: a signature over some other head proves nothing about this log
   */
  public record SignedHead(
      long seq,
      String head,
      String instance,
      String publicKey,
      String signature,
      boolean matchesChain) {}

  /**
   * Returns true when {@code head} is signed by {@code trustedKey} and sits where it claims in the
   * chain.
   */
  public static boolean signatureValid(SignedHead head, PublicKey trustedKey) {
    if (!head.matchesChain()) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(trustedKey);
      verifier.update(AuditLog.chainSignedContent(head.instance(), head.seq(), head.head()));
      return verifier.verify(Base64.getDecoder().decode(head.signature()));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * One line skipped because it was cut short.
   *
   * @param file the file holding it
   * @param lineNumber its line number in the file, from 1
   * @param length its length in characters
   */
  public record TruncatedLine(Path file, long lineNumber, int length) {}

  /**
   * Returns the files of the log whose active file is {@code activeFile}, oldest first: the rotated
   * files by decreasing number, then the active file if it exists.
   *
   * @throws IllegalArgumentException when there is no such log
   */
  public static List<Path> files(Path activeFile) {
    Path name = Objects.requireNonNull(activeFile, "activeFile").getFileName();
    Path dir = activeFile.toAbsolutePath().getParent();
    String prefix = name + ".";
    TreeMap<Integer, Path> rotated = new TreeMap<>(Comparator.reverseOrder());
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        entries.forEach(
            p -> {
              String n = p.getFileName().toString();
              if (n.startsWith(prefix) && n.length() > prefix.length()) {
                String suffix = n.substring(prefix.length());
                if (suffix.chars().allMatch(Character::isDigit) && suffix.length() < 10) {
                  rotated.put(Integer.parseInt(suffix), activeFile.resolveSibling(n));
                }
              }
            });
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + dir, e);
      }
    }
    List<Path> files = new ArrayList<>(rotated.values());
    if (Files.exists(activeFile)) {
      files.add(activeFile);
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no audit log at " + activeFile);
    }
    return files;
  }

  /**
   * Reads every record of the log, oldest first, handing each to {@code consumer}.
   *
   * @param activeFile the log's active file, e.g. {@code logs/audit.jsonl}
   * @param consumer receives the records in order
   * @return the files read, the record count and the lines skipped as cut short
   * @throws IllegalArgumentException when there is no log, or a line other than a crash's tail is
   *     malformed (the message names file, line and field)
   * @throws UncheckedIOException when a file cannot be read
   */
  public static ReadResult read(Path activeFile, Consumer<? super AuditRecord> consumer) {
    List<Path> files = files(activeFile);
    Chain chain = new Chain();
    long records = 0;
    for (Path file : files) {
      records += readFile(file, consumer, chain);
    }
    return new ReadResult(
        files,
        records,
        chain.truncated,
        chain.breaks,
        chain.unchained,
        chain.instances,
        chain.signedHeads);
  }

  /** What a read has seen of the hash chain so far. */
  private static final class Chain {
    final List<TruncatedLine> truncated = new ArrayList<>();
    final List<ChainBreak> breaks = new ArrayList<>();
    final List<String> instances = new ArrayList<>();
    final List<SignedHead> signedHeads = new ArrayList<>();
    long unchained;
    long lastSeq;
    String lastHash;

    void follow(AuditJson.Parsed p, String line, Path file, long lineNumber) {
      if (!p.chained()) {
        unchained++;
        return;
      }
      if (!instances.contains(p.instance())) {
        instances.add(p.instance());
      }
      if (lastHash != null && !(p.seq() == lastSeq + 1 && p.prev().equals(lastHash))) {
        String problem;
        if (p.seq() == 1 && p.prev().equals(AuditJson.GENESIS)) {
          problem = "the chain starts again: the records before were removed or replaced";
        } else if (p.seq() > lastSeq + 1) {
          problem =
              p.seq() == lastSeq + 2
                  ? "record " + (lastSeq + 1) + " is missing"
                  : "records " + (lastSeq + 1) + " to " + (p.seq() - 1) + " are missing";
        } else {
          problem =
              "this record (seq "
                  + p.seq()
                  + ") does not follow the one before (seq "
                  + lastSeq
                  + "): a line was edited, inserted or moved";
        }
        breaks.add(new ChainBreak(file, lineNumber, p.seq(), problem));
      }
      if (p.record() instanceof EventRecord e && e.kind() == EventKind.CHAIN_SIGNED) {
        Map<String, String> d = e.details();
        String head = d.getOrDefault("head", "");
        long signedSeq;
        try {
          signedSeq = Long.parseLong(d.getOrDefault("seq", "-1"));
        } catch (NumberFormatException notANumber) {
          signedSeq = -1;
        }
        signedHeads.add(
            new SignedHead(
                signedSeq,
                head,
                p.instance(),
                d.getOrDefault("public_key", ""),
                d.getOrDefault("signature", ""),
                // The hash of the line actually before it, not the prev the event claims.
                signedSeq == lastSeq && head.equals(lastHash)));
      }
      byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
      lastHash = AuditJson.sha256(bytes, bytes.length);
      lastSeq = p.seq();
    }
  }

  /**
   * Parses one audit line as written (with or without its newline), e.g. one a {@link
   * AuditLog.LineTap} received.
   *
   * @throws IllegalArgumentException when it is not an audit record, saying why
   */
  public static AuditRecord parseLine(String line) {
    try {
      return AuditJson.parse(line.strip()).record();
    } catch (AuditJson.MalformedLineException e) {
      throw new IllegalArgumentException("not an audit record: " + e.getMessage(), e);
    }
  }

  /** Reads the whole log into a list; for tests and small logs. See {@link #read}. */
  public static List<AuditRecord> readAll(Path activeFile) {
    List<AuditRecord> records = new ArrayList<>();
    read(activeFile, records::add);
    return records;
  }

  private static long readFile(Path file, Consumer<? super AuditRecord> consumer, Chain chain) {
    long records = 0;
    // InputStreamReader replaces bytes that are not UTF-8 (a write cut inside a character)
    // instead of failing, so such a line is judged as JSON like any other.
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
      long lineNumber = 0;
      String line = in.readLine();
      while (line != null) {
        lineNumber++;
        String next = in.readLine();
        if (line.isBlank()) {
          line = next;
          continue;
        }
        try {
          AuditJson.Parsed parsed = AuditJson.parse(line);
          chain.follow(parsed, line, file, lineNumber);
          consumer.accept(parsed.record());
          records++;
        } catch (AuditJson.MalformedLineException e) {
          if (e.truncated() || next == null) {
            chain.truncated.add(new TruncatedLine(file, lineNumber, line.length()));
          } else {
            throw new IllegalArgumentException(
                "audit log " + file + ", line " + lineNumber + ": " + e.getMessage(), e);
          }
        }
        line = next;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read audit log " + file, e);
    }
    return records;
  }
}
