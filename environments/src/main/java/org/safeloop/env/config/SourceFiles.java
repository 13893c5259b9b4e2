package org.safeloop.env.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The files one load read, in the order read, each with the SHA-256 of the exact bytes that were
 * parsed: a shield file, the scenario its {@code model:} names, the equation file that scenario's
 * {@code process:} names. An approval binds to this list, so it covers every file the loaded object
 * depends on and nothing can change between hashing and parsing (the bytes hashed are the bytes
 * parsed).
 *
 * <p>Reading is bounded: a file larger than its limit (or a device such as {@code /dev/zero}) is
 * refused after reading one byte past the limit, never read whole into memory.
 *
 * <p>Not thread-safe: one instance per load.
 */
public final class SourceFiles {
  /** Largest configuration file read, in bytes (4 MiB; configuration files are a few kB). */
  public static final long MAX_CONFIG_BYTES = 4L * 1024 * 1024;

  /** Prefix of the location of a file shipped inside SafeLoop (a class-path resource). */
  public static final String BUILT_IN = "built-in:";

  /**
   * One file as read.
   *
   * @param kind what the file is, e.g. {@code "shield"}, {@code "scenario"}, {@code "model"}
   * @param location the absolute, normalised path, or {@code built-in:RESOURCE} for a file shipped
   *     inside SafeLoop
   * @param sha256 the SHA-256 of the bytes read, 64 lowercase hex digits
   */
  public record Source(String kind, String location, String sha256) {
    /** Checks nothing is missing. */
    public Source {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(location, "location");
      Objects.requireNonNull(sha256, "sha256");
    }

    /** Returns true for a file shipped inside SafeLoop rather than one on disk. */
    public boolean builtIn() {
      return location.startsWith(BUILT_IN);
    }
  }

  private final List<Source> sources = new ArrayList<>();

  /** Starts an empty record. */
  public SourceFiles() {}

  /**
   * Reads a configuration file (at most {@link #MAX_CONFIG_BYTES}) and records it.
   *
   * @param file the file
   * @param kind what it is, e.g. {@code "scenario"}
   * @return its bytes
   * @throws ConfigException naming the file when it is missing, unreadable, not a regular file or
   *     too large
   */
  public byte[] read(Path file, String kind) {
    return read(file, kind, MAX_CONFIG_BYTES);
  }

  /**
   * Reads a file of at most {@code maxBytes} and records it; see {@link #read(Path, String)}.
   *
   * @throws ConfigException naming the file when it is missing, unreadable or larger than {@code
   *     maxBytes}
   */
  public byte[] read(Path file, String kind, long maxBytes) {
    Objects.requireNonNull(file, "file");
    String name = file.toString();
    if (Files.isDirectory(file)) {
      throw new ConfigException(name, 0, "", "is a directory, not a " + kind + " file", null);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    } catch (NoSuchFileException e) {
      throw new ConfigException(name, 0, "", "file not found", e);
    } catch (AccessDeniedException e) {
      throw new ConfigException(name, 0, "", "permission denied", e);
    } catch (IOException e) {
      throw new ConfigException(name, 0, "", "cannot read: " + e.getMessage(), e);
    }
    if (bytes.length > maxBytes) {
      throw new ConfigException(
          name,
          0,
          "",
          "is larger than "
              + maxBytes
              + " bytes, the most a "
              + kind
              + " file may hold; is it the right file?",
          null);
    }
    sources.add(new Source(kind, file.toAbsolutePath().normalize().toString(), sha256(bytes)));
    return bytes;
  }

  /**
   * Records a file shipped inside SafeLoop (a class-path resource) that a load used.
   *
   * @param resource the resource path, e.g. {@code scenarios/cstr-constrained.yaml}
   * @param kind what it is
   * @param bytes its content
   */
  public void builtIn(String resource, String kind, byte[] bytes) {
    sources.add(new Source(kind, BUILT_IN + resource, sha256(bytes)));
  }

  /** Returns the files read so far, in the order read. */
  public List<Source> list() {
    return List.copyOf(sources);
  }

  /**
   * Decodes bytes as UTF-8 text, refusing anything else.
   *
   * @param bytes the content
   * @param sourceName names the file in the message
   * @throws ConfigException saying the file is not UTF-8 text and where the first bad byte is
   */
  public static String utf8(byte[] bytes, String sourceName) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    // A UTF-8 sequence of n bytes decodes to at most n UTF-16 chars.
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new ConfigException(
          sourceName,
          line,
          "",
          String.format(
              Locale.ROOT,
              "is not UTF-8 text (byte 0x%02X at offset %d); is it a binary file?",
              bytes[at] & 0xff,
              at),
          null);
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /** Returns the SHA-256 of {@code bytes} in lowercase hex. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }
}
