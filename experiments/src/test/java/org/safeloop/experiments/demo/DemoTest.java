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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
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
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.audit.WriteRecord;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.PlantLayout;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import picocli.CommandLine;

/**
 * {@code safeloop demo --quick} in-process (the options {@code DemoCommand} builds for {@code
 * --quick}, through a package-private entry that also hands over the virtual plant), with its
 * output folder in a temporary directory. The run is judged by what it left behind rather than by
 * what it printed: the audit log says, cycle by cycle, what the bridge wrote in each mode and which
 * events stepped it back, and the virtual plant's own write counters must agree with it; the run
 * directory holds the training run, the comparison, the plant file, the keys, the approval and two
 * pages whose images decode.
 */
class DemoTest {
  private static final Demo.Budget BUDGET = Demo.Budget.QUICK;

  @TempDir Path dir;

  /** What the virtual plant counted, read when the bridge had disconnected. */
  record PlantCounters(
      PlantLayout layout, Map<String, Long> writes, Map<String, Long> rejected, long steps) {

    static PlantCounters of(VirtualPlant plant) {
      Map<String, Long> writes = new LinkedHashMap<>();
      Map<String, Long> rejected = new LinkedHashMap<>();
      for (PlantLayout.PlantTag t : plant.layout().tags()) {
        writes.put(t.name(), plant.writeCount(t.name()));
        rejected.put(t.name(), plant.rejectedWrites(t.name()));
      }
      return new PlantCounters(plant.layout(), writes, rejected, plant.steps());
    }
  }

  @Test
  @Timeout(120)
  void quickDemoWritesSetpointsOnlyInClosedLoopAsTheAuditLogAndThePlantBothRecord()
      throws Exception {
    StringWriter out = new StringWriter();
    AtomicReference<PlantCounters> counted = new AtomicReference<>();
    Path page =
        Demo.run(
            new Demo.Options(dir, BUDGET, Protocol.MODBUS, false),
            new PrintWriter(out),
            plant -> counted.set(PlantCounters.of(plant)));
    String text = out.toString();
    String[] stages = {"train", "evaluate", "plant", "deploy", "faults", "report"};
    for (int i = 0; i < stages.length; i++) {
      String line = "stage " + (i + 1) + " (" + stages[i] + "): ok";
      assertTrue(text.contains(line), "missing '" + line + "' in\n" + text);
    }
    PlantCounters plant = counted.get();
    assertNotNull(plant, "the demo never handed over its plant");
    assertTrue(
        text.matches("(?s).*live view: http://127\\.0\\.0\\.1:\\d+/ .*"),
        "the demo prints its live page's address:\n" + text);

    Path run = page.getParent();
    assertEquals(run.resolve("report.html"), page);
    assertTrue(run.getFileName().toString().startsWith("demo-"), run.toString());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(run), s.toList());
    }
    checkFiles(run);

    List<AuditRecord> audit = AuditLogReader.readAll(run.resolve("audit.jsonl"));
    AuditTags tags =
        AuditTags.of(PlantFile.load(run.resolve("plant/cstr-virtual-modbus.yaml")), plant.layout());
    checkCycles(audit, tags);
    checkEvents(audit, tags);
    checkPlantCounters(audit, tags, plant);
  }

  /** The command line's side, cheaply: a bad option stops {@code safeloop demo} before stage 1. */
  @Test
  void demoCommandRefusesAnUnknownProtocolBeforeAnyStage() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));

    int code = cli.execute("demo", "--quick", "--protocol", "serial", "--output", dir.toString());

    assertEquals(2, code, out + "" + err);
    assertTrue(err.toString().contains("--protocol must be modbus or opcua"), err.toString());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(), s.toList(), "no run directory");
    }
  }

  /**
   * The audit log's names for the tags the bridge may write (the plant file's), each with the
   * virtual plant's name for the same tag.
   */
  record AuditTags(Map<String, String> setpoints, Map<String, String> advisory) {
    static AuditTags of(PlantFile file, PlantLayout layout) {
      Map<String, String> setpoints = new LinkedHashMap<>();
      Map<String, String> advisory = new LinkedHashMap<>();
      List<PlantFile.SignalTag> actions = file.actionsInOrder(layout.actions());
      for (PlantFile.SignalTag a : actions) {
        setpoints.put(a.tag().name(), layout.remoteSetpoint(a.signal()).name());
        advisory.put(
            file.recommended(a.signal()).name(), layout.recommendedSetpoint(a.signal()).name());
      }
      advisory.put(file.reason().name(), layout.advisoryReason().name());
      advisory.put(file.timestamp().name(), layout.advisoryTimestamp().name());
      advisory.put(file.advisoryHeartbeat().name(), layout.advisoryHeartbeat().name());
      advisory.put(file.heartbeat().name(), layout.agentHeartbeat().name());
      return new AuditTags(setpoints, advisory);
    }
  }

  /**
   * No cycle number is missing; shadow writes nothing, advisory only the advisory tags and
   * heartbeats, closed loop the setpoints as well, with the values the shield decided; each mode
   * ran the cycles the budget asks for.
   */
  private static void checkCycles(List<AuditRecord> audit, AuditTags tags) {
    List<CycleRecord> cycles = cycles(audit);
    assertFalse(cycles.isEmpty(), "no cycle in the audit log");
    for (int i = 0; i < cycles.size(); i++) {
      assertEquals(i + 1L, cycles.get(i).cycle(), "cycle numbers run 1, 2, 3 ... without a gap");
    }
    Set<String> allowedInAdvisory = tags.advisory().keySet();
    Set<String> allowedInClosedLoop = new HashSet<>(allowedInAdvisory);
    allowedInClosedLoop.addAll(tags.setpoints().keySet());
    Set<Long> acknowledged = acknowledgedCycles(audit);
    Map<String, Integer> perMode = new LinkedHashMap<>();
    for (CycleRecord c : cycles) {
      perMode.merge(c.mode(), 1, Integer::sum);
      Set<String> written = c.writes().keySet();
      boolean read = !c.inputs().isEmpty();
      String where = "cycle " + c.cycle() + " in " + c.mode() + " wrote " + written;
      switch (Mode.of(c.mode())) {
        case SHADOW -> assertTrue(written.isEmpty(), where);
        case ADVISORY -> {
          assertTrue(allowedInAdvisory.containsAll(written), where);
          // A cycle that could not read (communication lost) writes nothing at all.
          assertEquals(read ? allowedInAdvisory : Set.of(), written, where);
        }
        case CLOSED_LOOP -> {
          assertTrue(read, where + " without inputs");
          assertEquals(allowedInClosedLoop, written, where);
          for (Map.Entry<String, String> sp : tags.setpoints().entrySet()) {
            assertEquals(
                c.shield().finalAction().get(sp.getKey()),
                c.writes().get(sp.getKey()),
                0.0,
                where + ": the setpoint written is the shield's decision");
          }
        }
      }
      if (!c.writes().isEmpty()) {
        assertTrue(acknowledged.contains(c.cycle()), where + ": no acknowledged write record");
      }
    }
    assertEquals(BUDGET.shadowCycles(), perMode.getOrDefault("shadow", 0), perMode.toString());
    assertEquals(
        BUDGET.closedLoopCycles() + BUDGET.faultCycles(),
        perMode.getOrDefault("closed-loop", 0),
        "closed loop before the faults and again after the re-promotion: " + perMode);
    // Advisory: its own phase, then after each fault, the demoting cycles and the reconnection.
    assertTrue(
        perMode.getOrDefault("advisory", 0)
            >= BUDGET.advisoryCycles() + 3 * BUDGET.faultCycles() + 2,
        perMode.toString());
  }

  /**
   * The refused promotion, the approved one, and the two demotions, each where the demo's story
   * puts it relative to the cycles.
   */
  private static void checkEvents(List<AuditRecord> audit, AuditTags tags) {
    int firstClosedLoop = indexOfCycle(audit, 0, "closed-loop");
    assertTrue(firstClosedLoop > 0, "no closed-loop cycle");

    List<Integer> refused = indices(audit, EventKind.APPROVAL_REFUSED);
    assertEquals(1, refused.size(), "one refused attempt: " + events(audit));
    int refusal = refused.get(0);
    assertTrue(refusal < firstClosedLoop, "refused before closed loop ran");
    assertEquals("advisory", previousCycle(audit, refusal).mode(), "refused from advisory");
    assertFalse(((EventRecord) audit.get(refusal)).reason().isBlank());
    int accepted = indexOf(audit, refusal, EventKind.APPROVAL_ACCEPTED);
    int promoted = indexOf(audit, refusal, EventKind.PROMOTION);
    assertTrue(
        refusal < accepted && accepted < promoted && promoted < firstClosedLoop,
        "closed loop only after a signed approval was accepted: " + events(audit));
    assertEquals("closed-loop", ((EventRecord) audit.get(promoted)).details().get("to"));

    List<Integer> demotions = indices(audit, EventKind.DEMOTION);
    assertEquals(2, demotions.size(), "one demotion per fault: " + events(audit));
    String[] causes = {"operator override", "communication"};
    EventKind[] announcedBy = {EventKind.OPERATOR_OVERRIDE, EventKind.CONNECTION_LOST};
    for (int d = 0; d < 2; d++) {
      int at = demotions.get(d);
      EventRecord demotion = (EventRecord) audit.get(at);
      assertTrue(demotion.reason().startsWith(causes[d]), demotion.toString());
      assertEquals("closed-loop", demotion.details().get("from"), demotion.toString());
      assertEquals("advisory", demotion.details().get("to"), demotion.toString());
      assertEquals("closed-loop", previousCycle(audit, at).mode(), "demoted from closed loop");
      CycleRecord demoting = nextCycle(audit, at);
      assertEquals("advisory", demoting.mode(), "the demoting cycle");
      assertTrue(
          tags.setpoints().keySet().stream().noneMatch(demoting.writes()::containsKey),
          "a setpoint written in the cycle that demoted: " + demoting.writes().keySet());
      int announced = indexOf(audit, previousCycleIndex(audit, at), announcedBy[d]);
      assertTrue(announced >= 0 && announced < at, announcedBy[d] + " before " + demotion);
    }
    int commDemotion = demotions.get(1);
    assertTrue(nextCycle(audit, commDemotion).inputs().isEmpty(), "no inputs without the plant");
    assertEquals(-1, indexOfCycle(audit, commDemotion, "closed-loop"), "closed loop came back");
    assertEquals(-1, indexOf(audit, commDemotion, EventKind.PROMOTION), "promoted by itself");
    int restored = indexOf(audit, commDemotion, EventKind.CONNECTION_RESTORED);
    assertTrue(restored > commDemotion, "the connection came back: " + events(audit));
    assertFalse(nextCycle(audit, restored).inputs().isEmpty(), "reads again after reconnection");
    assertEquals(
        2,
        indices(audit, EventKind.PROMOTION).stream()
            .filter(i -> "closed-loop".equals(((EventRecord) audit.get(i)).details().get("to")))
            .count(),
        "closed loop promoted twice, each by an explicit command");
    AuditRecord last = audit.get(audit.size() - 1);
    assertTrue(last instanceof EventRecord e && e.kind() == EventKind.STOPPED, last.toString());
  }

  /**
   * The plant received exactly the writes the audit log says succeeded, tag by tag, none refused,
   * none to a tag the bridge may not write; and it stepped once per audited cycle.
   */
  private static void checkPlantCounters(
      List<AuditRecord> audit, AuditTags tags, PlantCounters plant) {
    List<CycleRecord> cycles = cycles(audit);
    Set<Long> acknowledged = acknowledgedCycles(audit);
    Map<String, String> written = new LinkedHashMap<>(tags.setpoints());
    written.putAll(tags.advisory());
    for (Map.Entry<String, String> t : written.entrySet()) {
      long logged =
          cycles.stream()
              .filter(c -> c.writes().containsKey(t.getKey()) && acknowledged.contains(c.cycle()))
              .count();
      assertEquals(
          logged,
          plant.writes().get(t.getValue()),
          "writes of " + t.getValue() + " (audit tag " + t.getKey() + ")");
    }
    long closedLoop = cycles.stream().filter(c -> c.mode().equals("closed-loop")).count();
    for (String plantSetpoint : tags.setpoints().values()) {
      assertEquals(
          closedLoop, plant.writes().get(plantSetpoint), "one write per closed-loop cycle");
    }
    plant
        .writes()
        .forEach(
            (tag, count) -> {
              if (!written.containsValue(tag)) {
                assertEquals(0L, count, "the bridge wrote " + tag);
              }
            });
    plant.rejected().forEach((tag, count) -> assertEquals(0L, count, "refused writes of " + tag));
    assertEquals(cycles.size(), plant.steps(), "plant steps against audited cycles");
  }

  private static void checkFiles(Path run) throws Exception {
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
    List<String> compare = Files.readAllLines(run.resolve("comparison/compare.csv"));
    List<String> header = List.of(compare.get(0).split(","));
    int policy = header.indexOf("policy");
    int median = header.indexOf("median_return");
    List<String> policies = new ArrayList<>();
    for (String row : compare.subList(1, compare.size())) {
      String[] cells = row.split(",");
      policies.add(cells[policy]);
      assertTrue(Double.isFinite(Double.parseDouble(cells[median])), row);
    }
    assertTrue(policies.contains("ppo-lag+shield"), policies.toString());
    for (String baseline : Demo.BASELINES) {
      assertTrue(policies.stream().anyMatch(p -> p.startsWith(baseline)), policies.toString());
    }

    String report = Files.readString(run.resolve("report.html"));
    assertTrue(report.contains("href=\"deployment.html\""), "report.html does not link it");
    String deployment = Files.readString(run.resolve("deployment.html"));
    List<String> reportImages = images(run, report);
    List<String> deploymentImages = images(run, deployment);
    assertFalse(reportImages.isEmpty(), "report.html has no image");
    assertEquals(4, deploymentImages.size(), deploymentImages.toString());
  }

  /** The cycles whose writes the PLC acknowledged (a write record with ok after the cycle's). */
  private static Set<Long> acknowledgedCycles(List<AuditRecord> audit) {
    Set<Long> ok = new HashSet<>();
    for (AuditRecord r : audit) {
      if (r instanceof WriteRecord w && w.ok()) {
        ok.add(w.cycle());
      }
    }
    return ok;
  }

  private static List<CycleRecord> cycles(List<AuditRecord> audit) {
    return audit.stream()
        .filter(CycleRecord.class::isInstance)
        .map(CycleRecord.class::cast)
        .toList();
  }

  private static List<Integer> indices(List<AuditRecord> audit, EventKind kind) {
    List<Integer> found = new ArrayList<>();
    for (int i = 0; i < audit.size(); i++) {
      if (audit.get(i) instanceof EventRecord e && e.kind() == kind) {
        found.add(i);
      }
    }
    return found;
  }

  /** The first event of {@code kind} after {@code from}, or -1. */
  private static int indexOf(List<AuditRecord> audit, int from, EventKind kind) {
    for (int i = from + 1; i < audit.size(); i++) {
      if (audit.get(i) instanceof EventRecord e && e.kind() == kind) {
        return i;
      }
    }
    return -1;
  }

  /** The first cycle in {@code mode} after {@code from}, or -1. */
  private static int indexOfCycle(List<AuditRecord> audit, int from, String mode) {
    for (int i = from + 1; i < audit.size(); i++) {
      if (audit.get(i) instanceof CycleRecord c && c.mode().equals(mode)) {
        return i;
      }
    }
    return -1;
  }

  private static int previousCycleIndex(List<AuditRecord> audit, int at) {
    for (int i = at - 1; i >= 0; i--) {
      if (audit.get(i) instanceof CycleRecord) {
        return i;
      }
    }
    throw new AssertionError("no cycle before record " + at + ": " + audit.get(at));
  }

  private static CycleRecord previousCycle(List<AuditRecord> audit, int at) {
    return (CycleRecord) audit.get(previousCycleIndex(audit, at));
  }

  private static CycleRecord nextCycle(List<AuditRecord> audit, int at) {
    for (int i = at + 1; i < audit.size(); i++) {
      if (audit.get(i) instanceof CycleRecord c) {
        return c;
      }
    }
    throw new AssertionError("no cycle after record " + at + ": " + audit.get(at));
  }

  /** The events in order, for failure messages. */
  private static List<String> events(List<AuditRecord> audit) {
    return audit.stream()
        .filter(EventRecord.class::isInstance)
        .map(r -> ((EventRecord) r).kind() + " " + ((EventRecord) r).reason())
        .toList();
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
