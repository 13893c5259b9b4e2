package org.safeloop.plc.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The secret a web view asks of every request when one is set ({@code --http-token-file FILE}).
 * Only its SHA-256 is kept, and a candidate is compared digest against digest with {@link
 * MessageDigest#isEqual}, whose time does not depend on where the two differ. Thread-safe
 * (immutable).
 */
public final class AccessToken {
  /** Shortest token accepted, in characters: about 96 bits when made as the docs suggest. */
  public static final int MIN_LENGTH = 16;

  private final byte[] digest;

  private AccessToken(String secret) {
    this.digest = sha256(secret);
  }

  /**
   * A token from its text.
   *
   * @throws IllegalArgumentException when it is shorter than {@link #MIN_LENGTH} or has characters
   *     outside {@code A-Z a-z 0-9 - . _ ~ + / =} (it travels in a header, a cookie and a URL)
   */
  public static AccessToken of(String secret) {
    if (secret == null || secret.length() < MIN_LENGTH) {
      throw new IllegalArgumentException(
          "the access token must be at least "
              + MIN_LENGTH
              + " characters (e.g. openssl rand -base64 24)");
    }
    if (!secret.matches("[A-Za-z0-9._~+/=-]+")) {
      throw new IllegalArgumentException(
          "the access token may only hold A-Z a-z 0-9 - . _ ~ + / = (e.g. openssl rand -base64 24)");
    }
    return new AccessToken(secret);
  }

  /**
   * Reads the token from the first line of {@code file} (surrounding white space ignored).
   *
   * @throws IllegalArgumentException naming the file when it is missing, unreadable or the token is
   *     unfit
   */
  public static AccessToken load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--http-token-file " + file + ": cannot read it (" + e.getMessage() + ")",
          new UncheckedIOException(e));
    }
    String first = text.strip().lines().findFirst().orElse("").strip();
    try {
      return of(first);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--http-token-file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Returns whether {@code candidate} is the token, in time independent of the token's text. */
  public boolean matches(String candidate) {
    if (candidate == null) {
      return false;
    }
    return MessageDigest.isEqual(digest, sha256(candidate));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "AccessToken[hidden]";
  }
}
