package org.safeloop.experiments.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.experiments.cli.SafeLoopCommand;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import picocli.CommandLine;

/**
 * {@code safeloop demo --quick} in-process, as a user types it, with its output folder in a
 * temporary directory: every stage reports ok, the agent steps back on both faults, and the run
 * directory holds the training run, the comparison, the plant file, the keys, the approval, the
 * audit log, and the two pages with images that decode.
 */
class DemoTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void quickDemoRunsEveryStageAndWritesTheReportWithDecodableImages() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));

    int code = cli.execute("demo", "--quick", "--out", dir.toString());

    String text = out.toString();
    assertEquals(0, code, text + err);
    String[] stages = {"train", "evaluate", "plant", "deploy", "faults", "report"};
    for (int i = 0; i < stages.length; i++) {
      String line = "stage " + (i + 1) + " (" + stages[i] + "): ok";
      assertTrue(text.contains(line), "missing '" + line + "' in\n" + text);
    }
    assertTrue(text.contains("ppo-lag+shield"), "no comparison table:\n" + text);
    assertTrue(text.contains("oracle"), text);
    assertTrue(text.contains("closed loop without an approval: refused"), text);
    assertTrue(text.contains("DEMOTED to advisory: operator override"), text);
    assertTrue(text.contains("DEMOTED to advisory: communication"), text);
    assertTrue(text.contains("mode stays advisory"), text);

    List<Path> demos;
    try (Stream<Path> s = Files.list(dir)) {
      demos = s.filter(p -> p.getFileName().toString().startsWith("demo-")).toList();
    }
    assertEquals(1, demos.size(), demos.toString());
    Path run = demos.get(0);
    assertTrue(text.contains("Report: " + run.resolve("report.html")), text);
    for (String f :
        List.of(
            "report.html",
            "deployment.html",
            "approval.json",
            "audit.jsonl",
            "cstr-constrained.shield.yaml",
            "keys/demo-approver.key",
            "keys/demo-approver.pub",
            "plant/cstr-virtual-modbus.yaml",
            "comparison/compare.csv")) {
      assertTrue(Files.isRegularFile(run.resolve(f)), f);
    }
    try (Stream<Path> s = Files.list(run.resolve("training"))) {
      Path training = s.findFirst().orElseThrow();
      assertTrue(Files.isRegularFile(training.resolve("policy.bundle")));
      assertTrue(Files.isRegularFile(training.resolve("eval.json")));
    }

    List<AuditRecord> audit = AuditLogReader.readAll(run.resolve("audit.jsonl"));
    long demotions =
        audit.stream()
            .filter(r -> r instanceof EventRecord e && e.kind() == EventKind.DEMOTION)
            .count();
    assertEquals(2, demotions, "one demotion per fault");

    String report = Files.readString(run.resolve("report.html"));
    assertTrue(report.contains("href=\"deployment.html\""), "report.html does not link it");
    String deployment = Files.readString(run.resolve("deployment.html"));
    List<String> reportImages = images(run, report);
    List<String> deploymentImages = images(run, deployment);
    assertFalse(reportImages.isEmpty(), "report.html has no image");
    assertEquals(4, deploymentImages.size(), deploymentImages.toString());
  }

  /** Every image a page shows, checked to exist and decode. */
  private static List<String> images(Path run, String html) throws Exception {
    List<String> found = new ArrayList<>();
    Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
    while (m.find()) {
      Path png = run.resolve(m.group(1));
      assertTrue(Files.isRegularFile(png), "missing image " + png);
      BufferedImage image = ImageIO.read(png.toFile());
      assertNotNull(image, "does not decode: " + png);
      assertTrue(image.getWidth() > 100 && image.getHeight() > 100, png.toString());
      found.add(m.group(1));
    }
    return found;
  }
}
