package org.safeloop.plc.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web view's address and token: loopback by default, a token beyond it, refused early. */
class WebOptionsTest {
  @TempDir Path dir;

  @Test
  void aViewBeyondLoopbackWithoutATokenIsRefusedNamingTheFlag() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WebOptions.parse("0.0.0.0:8080", null));
    assertTrue(e.getMessage().contains("--http-token-file"), e.getMessage());
    assertTrue(e.getMessage().contains("0.0.0.0:8080"), e.getMessage());
  }

  @Test
  void aViewBeyondLoopbackWithATokenIsAllowed() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "s3cret-token-of-24-chars\n");
    WebOptions options = WebOptions.parse("0.0.0.0:8080", token);
    assertFalse(options.address().loopback());
    assertTrue(options.token().matches("s3cret-token-of-24-chars"));
  }

  @Test
  void loopbackNeedsNoTokenAndABarePortListensOnLoopback() {
    assertTrue(WebOptions.parse("127.0.0.1:0", null).address().loopback());
    assertTrue(WebOptions.parse("[::1]:8080", null).address().loopback());
    HttpAddress bare = HttpAddress.parse("8080");
    assertEquals(new HttpAddress("127.0.0.1", 8080), bare);
    assertTrue(bare.loopback());
  }

  @Test
  void aMalformedAddressNamesTheFlagAndTheExpectedForm() {
    for (String bad : new String[] {"", "host", "host:", ":80", "a:b:c", "h:99999", "h:x"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> HttpAddress.parse(bad), bad);
      assertTrue(e.getMessage().contains("--http"), e.getMessage());
    }
  }

  @Test
  void aShortOrMissingTokenFileIsRefusedNamingTheFile() throws Exception {
    Path shortToken = dir.resolve("short");
    Files.writeString(shortToken, "abc\n");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WebOptions.parse("127.0.0.1:0", shortToken));
    assertTrue(e.getMessage().contains(shortToken.toString()), e.getMessage());
    Path missing = dir.resolve("missing");
    assertThrows(IllegalArgumentException.class, () -> WebOptions.parse("127.0.0.1:0", missing));
  }

  @Test
  void aTokenMatchesItselfOnly() {
    AccessToken token = AccessToken.of("0123456789abcdefXYZ");
    assertTrue(token.matches("0123456789abcdefXYZ"));
    assertFalse(token.matches("0123456789abcdefXY"));
    assertFalse(token.matches("0123456789abcdefXYZ "));
    assertFalse(token.matches(""));
    assertFalse(token.matches(null));
    assertFalse(token.toString().contains("0123"));
  }
}
