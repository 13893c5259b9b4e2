package org.safeloop.experiments.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;

/**
 * Writes {@code deployment.html} with four PNG charts drawn from the audit log and the plant: the
 * bridge's mode over cycles with mode changes marked, the agent's setpoint against the shield's and
 * the one in force, the reactor temperature against its 321-327 K limits, and shield interventions
 * per cycle.
 */
final class DeploymentPage {
  static final String PAGE = "deployment.html";
  static final String FOLDER = "deployment";
  static final double T_LOW = 321.0;
  static final double T_HIGH = 327.0;
  private static final int WIDTH = 960;
  private static final int HEIGHT = 360;
  private static final Color LIMIT = new Color(0xb00000);
  private static final Color[] SERIES = {
    new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0x7f7f7f)
  };

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** A mode change, at the cycle it took effect. */
  record Change(double cycle, EventKind kind, String reason) {}

  private DeploymentPage() {}

  static Path write(
      Path runDir, Path auditFile, List<PacedDeployment.Sample> samples, Protocol protocol) {
    List<CycleRecord> cycles = new ArrayList<>();
    List<Change> changes = new ArrayList<>();
    List<EventRecord> events = new ArrayList<>();
    long[] lastCycle = {0};
    AuditLogReader.read(
        auditFile,
        (AuditRecord r) -> {
          if (r instanceof CycleRecord c) {
            cycles.add(c);
            lastCycle[0] = c.cycle();
          } else if (r instanceof EventRecord e) {
            events.add(e);
            if (e.kind() == EventKind.PROMOTION
                || e.kind() == EventKind.DEMOTION
                || e.kind() == EventKind.OPERATOR_OVERRIDE
                || e.kind() == EventKind.CONNECTION_LOST
                || e.kind() == EventKind.CONNECTION_RESTORED) {
              changes.add(new Change(lastCycle[0] + 0.5, e.kind(), e.reason()));
            }
          }
        });
    Path folder = runDir.resolve(FOLDER);
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + folder, e);
    }
    List<String> images = new ArrayList<>();
    images.add(png(folder, "modes.png", modes(cycles, changes)));
    images.add(png(folder, "setpoints.png", setpoints(cycles, samples, changes)));
    images.add(png(folder, "temperature.png", temperature(cycles, samples, changes)));
    images.add(png(folder, "interventions.png", interventions(cycles, changes)));

    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>SafeLoop demo: deployment</title>\n<style>\n")
        .append("body{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.4}\n")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;")
        .append("text-align:left;font-size:90%}img{max-width:100%}\n</style>\n</head>\n<body>\n")
        .append("<h1>Deployment on the virtual plant</h1>\n")
        .append("<p><a href=\"report.html\">Training and evaluation report</a></p>\n")
        .append("<p>The trained bundle ran in the PLC bridge (pure-Java forward pass) against the")
        .append(" virtual CSTR over ")
        .append(escape(protocol.label()))
        .append(", every proposal through the shield: shadow, advisory, then closed loop under a")
        .append(" signed approval; then an operator override, an explicit re-promotion and a")
        .append(" communication loss. ")
        .append(cycles.size())
        .append(" cycles from <code>audit.jsonl</code>; the reactor temperature and the setpoint")
        .append(" in force are the plant's true values after each cycle.</p>\n");
    String[] captions = {
      "Bridge mode per cycle; dashed lines mark promotions, demotions and connection events.",
      "Jacket temperature Tc: the agent's proposal, the shield's decision and the setpoint the"
          + " process received (in shadow and advisory, the operator's).",
      "Reactor temperature T (true and as measured) against its 321-327 K limits.",
      "Shield interventions per cycle (layers that acted; 0 = accepted)."
    };
    for (int i = 0; i < images.size(); i++) {
      html.append("<h2>")
          .append(i + 1)
          .append(". ")
          .append(escape(captions[i]))
          .append("</h2>\n<img src=\"")
          .append(FOLDER)
          .append('/')
          .append(images.get(i))
          .append("\" alt=\"")
          .append(escape(captions[i]))
          .append("\">\n");
    }
    html.append("<h2>Events</h2>\n<table>\n<tr><th>time (UTC)</th><th>event</th><th>reason</th>")
        .append("</tr>\n");
    for (EventRecord e : events) {
      html.append("<tr><td>")
          .append(e.timestamp())
          .append("</td><td>")
          .append(e.kind().name().toLowerCase(Locale.ROOT))
          .append("</td><td>")
          .append(escape(e.reason()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n</body>\n</html>\n");
    Path page = runDir.resolve(PAGE);
    try {
      Files.writeString(page, html.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + page, e);
    }
    return page;
  }

  private static JFreeChart modes(List<CycleRecord> cycles, List<Change> changes) {
    XYSeries mode = new XYSeries("mode");
    for (CycleRecord c : cycles) {
      mode.add(c.cycle(), Mode.of(c.mode()).ordinal());
    }
    SymbolAxis axis = new SymbolAxis("mode", new String[] {"shadow", "advisory", "closed loop"});
    axis.setRange(-0.5, 2.5);
    XYPlot plot =
        new XYPlot(
            new XYSeriesCollection(mode), new NumberAxis("cycle"), axis, new XYStepRenderer());
    plot.getRenderer().setSeriesPaint(0, SERIES[0]);
    plot.getRenderer().setSeriesStroke(0, new BasicStroke(2.5f));
    return finish("Bridge mode", plot, changes, true);
  }

  private static JFreeChart setpoints(
      List<CycleRecord> cycles, List<PacedDeployment.Sample> samples, List<Change> changes) {
    XYSeries proposed = new XYSeries("agent's proposal");
    XYSeries decided = new XYSeries("shield's decision");
    XYSeries inForce = new XYSeries("setpoint in force");
    for (CycleRecord c : cycles) {
      Double p = c.proposedAction().get("Tc");
      if (p != null) {
        proposed.add(c.cycle(), p);
      }
      if (c.shield() != null && c.shield().finalAction().get("Tc") != null) {
        decided.add(c.cycle(), c.shield().finalAction().get("Tc"));
      }
    }
    for (PacedDeployment.Sample s : samples) {
      inForce.add(s.cycle(), s.setpointInForce());
    }
    return lines("Jacket temperature setpoint", "Tc [K]", changes, proposed, decided, inForce);
  }

  private static JFreeChart temperature(
      List<CycleRecord> cycles, List<PacedDeployment.Sample> samples, List<Change> changes) {
    XYSeries truth = new XYSeries("T (true)");
    XYSeries measured = new XYSeries("T (measured)");
    for (PacedDeployment.Sample s : samples) {
      truth.add(s.cycle(), s.temperature());
    }
    for (CycleRecord c : cycles) {
      CycleRecord.Input t = c.inputs().get("T");
      if (t != null && Double.isFinite(t.value())) {
        measured.add(c.cycle(), t.value());
      }
    }
    JFreeChart chart = lines("Reactor temperature", "T [K]", changes, truth, measured);
    XYPlot plot = chart.getXYPlot();
    for (double limit : new double[] {T_LOW, T_HIGH}) {
      ValueMarker m = new ValueMarker(limit, LIMIT, new BasicStroke(1.5f));
      m.setLabel(String.format(Locale.ROOT, "limit %.0f K", limit));
      m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
      m.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
      m.setLabelPaint(LIMIT);
      plot.addRangeMarker(m);
    }
    NumberAxis range = (NumberAxis) plot.getRangeAxis();
    range.setAutoRangeIncludesZero(false);
    double lo = Math.min(T_LOW - 1, range.getLowerBound());
    double hi = Math.max(T_HIGH + 1, range.getUpperBound());
    range.setRange(lo, hi);
    return chart;
  }

  private static JFreeChart interventions(List<CycleRecord> cycles, List<Change> changes) {
    XYSeries layers = new XYSeries("intervening layers");
    for (CycleRecord c : cycles) {
      layers.add(c.cycle(), c.shield() == null ? 0 : c.shield().interventionLayers().size());
    }
    XYBarRenderer renderer = new XYBarRenderer(0.1);
    renderer.setShadowVisible(false);
    renderer.setSeriesPaint(0, SERIES[1]);
    NumberAxis count = new NumberAxis("layers that acted");
    count.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    XYPlot plot =
        new XYPlot(new XYSeriesCollection(layers), new NumberAxis("cycle"), count, renderer);
    return finish("Shield interventions per cycle", plot, changes, false);
  }

  private static JFreeChart lines(
      String title, String unit, List<Change> changes, XYSeries... series) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < series.length; i++) {
      data.addSeries(series[i]);
      renderer.setSeriesPaint(i, SERIES[i % SERIES.length]);
      renderer.setSeriesStroke(i, new BasicStroke(i == 0 ? 2.0f : 1.5f));
    }
    NumberAxis range = new NumberAxis(unit);
    range.setAutoRangeIncludesZero(false);
    XYPlot plot = new XYPlot(data, new NumberAxis("cycle"), range, renderer);
    return finish(title, plot, changes, false);
  }

  private static JFreeChart finish(
      String title, XYPlot plot, List<Change> changes, boolean labelled) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    for (Change c : changes) {
      boolean up = c.kind() == EventKind.PROMOTION || c.kind() == EventKind.CONNECTION_RESTORED;
      Color colour = up ? new Color(0x2ca02c) : new Color(0xd62728);
      ValueMarker m =
          new ValueMarker(
              c.cycle(),
              colour,
              new BasicStroke(
                  1.0f,
                  BasicStroke.CAP_BUTT,
                  BasicStroke.JOIN_MITER,
                  1f,
                  new float[] {4f, 3f},
                  0f));
      if (labelled && (c.kind() == EventKind.PROMOTION || c.kind() == EventKind.DEMOTION)) {
        m.setLabel(label(c));
        m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        m.setLabelPaint(colour);
        // Promotions labelled at the bottom, demotions at the top: close changes stay legible.
        m.setLabelAnchor(up ? RectangleAnchor.BOTTOM_RIGHT : RectangleAnchor.TOP_RIGHT);
        m.setLabelTextAnchor(up ? TextAnchor.BOTTOM_LEFT : TextAnchor.TOP_LEFT);
      }
      plot.addDomainMarker(m);
    }
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  private static String label(Change c) {
    String reason = c.reason() == null ? "" : c.reason();
    if (c.kind() == EventKind.DEMOTION) {
      int colon = reason.indexOf(':');
      String shortReason = colon > 0 ? reason.substring(0, colon) : reason;
      return " demoted: "
          + (shortReason.length() > 28 ? shortReason.substring(0, 28) : shortReason);
    }
    return " promoted";
  }

  private static String png(Path folder, String name, JFreeChart chart) {
    Path file = folder.resolve(name);
    try {
      ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return name;
  }

  static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
