package org.safeloop.experiments.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.ClusteredXYBarRenderer;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.RangeType;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Builds the report's charts with JFreeChart and writes them as PNG files of one fixed size. Every
 * chart has a title, axis labels with units and a legend; colours come from a fixed palette so the
 * same inputs draw the same pictures. Rendering is headless. Thread-safe (stateless).
 */
final class Charts {
  /** Width of every PNG in pixels. */
  static final int WIDTH = 960;

  /** Height of every PNG in pixels. */
  static final int HEIGHT = 440;

  /** Bins of the return histograms. */
  static final int HISTOGRAM_BINS = 20;

  /** Colours of the policies, in the order they are first drawn. */
  private static final List<Color> PALETTE =
      List.of(
          new Color(0x1f77b4), // blue (no red: red marks limits)
          new Color(0x9467bd), // purple
          new Color(0x8c564b), // brown
          new Color(0xe377c2), // pink
          new Color(0x17becf), // cyan
          new Color(0xbcbd22)); // olive

  /** Colours that always mean the same baseline. */
  private static final Map<String, Color> BASELINE_COLOURS =
      Map.of(
          "pid", new Color(0xff7f0e), // orange
          "pid-simc", new Color(0x7f7f7f), // grey
          "nmpc", new Color(0x006d6f), // dark teal
          "nmpc-preview", new Color(0x4fb3b5), // light teal
          "oracle", new Color(0x2ca02c), // green
          "oracle-no-preview", new Color(0x98df8a)); // light green

  private static final Color LIMIT = new Color(0xb00000);
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

  static {
    // Charts are drawn off-screen; a caller that already chose (e.g. a desktop app) keeps its
    // choice.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /**
   * One line of a line chart.
   *
   * @param name the legend entry
   * @param x the abscissae
   * @param y the ordinates (NaN values are left out)
   * @param colour the line's colour
   * @param dashed draw dashed (set points)
   * @param steps draw as a staircase held until the next point (inputs under zero-order hold)
   */
  record Line(String name, double[] x, double[] y, Color colour, boolean dashed, boolean steps) {
    /** Copies the arrays and checks that they pair up. */
    Line {
      if (x.length != y.length) {
        throw new IllegalArgumentException(
            name + ": " + x.length + " abscissae for " + y.length + " ordinates");
      }
      x = x.clone();
      y = y.clone();
    }
  }

  /**
   * A horizontal reference line, e.g. a constraint or actuator limit.
   *
   * @param label what the line is, with its value and unit
   * @param value where it is, in the axis' unit
   */
  record Limit(String label, double value) {}

  /**
   * A median curve with a band from the minimum to the maximum over seeds.
   *
   * @param name the legend entry
   * @param points the binned points
   * @param colour the line's and the band's colour
   */
  record Band(String name, List<LearningCurves.Point> points, Color colour) {}

  private Charts() {}

  /** Returns the colour of a baseline, or of the {@code index}-th learned policy. */
  static Color colour(String baseline, int index) {
    Color c = BASELINE_COLOURS.get(baseline);
    return c != null ? c : PALETTE.get(Math.floorMod(index, PALETTE.size()));
  }

  /**
   * Draws median curves with their min/max bands over seeds.
   *
   * @param fromZero start the value axis at zero (for counts and costs, which are never negative)
   */
  static JFreeChart bands(
      String title, String xLabel, String yLabel, List<Band> bands, boolean fromZero) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    DeviationRenderer renderer = new DeviationRenderer(true, false);
    renderer.setAlpha(0.2f);
    for (int i = 0; i < bands.size(); i++) {
      Band b = bands.get(i);
      YIntervalSeries s = new YIntervalSeries(b.name(), false, true);
      for (LearningCurves.Point p : b.points()) {
        s.add(p.envSteps(), p.median(), p.min(), p.max());
      }
      data.addSeries(s);
      renderer.setSeriesPaint(i, b.colour());
      renderer.setSeriesFillPaint(i, b.colour());
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    NumberAxis range = numberAxis(yLabel);
    range.setAutoRangeIncludesZero(fromZero);
    if (fromZero) {
      range.setRangeType(RangeType.POSITIVE);
    }
    // A flat curve (e.g. no cost at all) gets a readable axis rather than one of width 1e-8.
    range.setAutoRangeMinimumSize(flatRange(bands));
    XYPlot plot = new XYPlot(data, numberAxis(xLabel), range, renderer);
    return finish(title, plot);
  }

  private static double flatRange(List<Band> bands) {
    double largest =
        bands.stream()
            .flatMap(b -> b.points().stream())
            .mapToDouble(p -> Math.max(Math.abs(p.min()), Math.abs(p.max())))
            .max()
            .orElse(0);
    return largest == 0 ? 1.0 : Math.max(1e-6, Math.min(1.0, 0.2 * largest));
  }

  /** Draws lines (solid, dashed or staircase) with horizontal limit lines. */
  static JFreeChart lines(
      String title, String xLabel, String yLabel, List<Line> lines, List<Limit> limits) {
    NumberAxis range = numberAxis(yLabel);
    XYPlot plot = new XYPlot(null, numberAxis(xLabel), range, null);
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < lines.size(); i++) {
      Line line = lines.get(i);
      XYSeries s = new XYSeries(line.name(), false, true);
      for (int k = 0; k < line.x().length; k++) {
        double y = line.y()[k];
        if (Double.isFinite(y)) {
          s.add(line.x()[k], y);
          low = Math.min(low, y);
          high = Math.max(high, y);
        }
      }
      XYLineAndShapeRenderer r =
          line.steps() ? new XYStepRenderer() : new XYLineAndShapeRenderer(true, false);
      r.setDefaultShapesVisible(false);
      r.setSeriesPaint(0, line.colour());
      r.setSeriesStroke(0, line.dashed() ? dashed(1.6f) : new BasicStroke(1.8f));
      plot.setDataset(i, new XYSeriesCollection(s));
      plot.setRenderer(i, r);
    }
    for (Limit limit : limits) {
      ValueMarker marker = new ValueMarker(limit.value(), LIMIT, dashed(1.2f));
      marker.setLabel(limit.label());
      marker.setLabelFont(LABEL_FONT);
      marker.setLabelPaint(LIMIT);
      marker.setLabelBackgroundColor(new Color(255, 255, 255, 210));
      marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
      marker.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
      plot.addRangeMarker(marker);
      low = Math.min(low, limit.value());
      high = Math.max(high, limit.value());
    }
    if (low <= high) {
      // The axis must show the limits even when the trajectories stay far from them.
      double pad = high > low ? 0.06 * (high - low) : Math.max(1e-6, 0.05 * Math.abs(high));
      range.setRange(low - pad, high + pad);
    }
    return finish(title, plot);
  }

  /**
   * Draws the shield's verdict at each step as a marker on one of three rows: accepted, repaired,
   * fallback.
   *
   * @param minutes the time of each step in minutes
   * @param verdicts the verdict of each step, in lower case
   */
  static JFreeChart verdicts(String title, double[] minutes, List<String> verdicts) {
    String[] rows = {"accepted", "repaired", "fallback"};
    Color[] colours = {new Color(0x2ca02c), new Color(0xff7f0e), LIMIT};
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
    for (int v = 0; v < rows.length; v++) {
      XYSeries s = new XYSeries(rows[v], false, true);
      for (int k = 0; k < minutes.length; k++) {
        if (verdicts.get(k).equals(rows[v])) {
          s.add(minutes[k], v);
        }
      }
      data.addSeries(s);
      renderer.setSeriesPaint(v, colours[v]);
      renderer.setSeriesShape(v, new Ellipse2D.Double(-4, -4, 8, 8));
    }
    SymbolAxis axis = new SymbolAxis("shield verdict (category)", rows);
    axis.setRange(-0.6, rows.length - 0.4);
    XYPlot plot = new XYPlot(data, numberAxis("time (min)"), axis, renderer);
    return finish(title, plot);
  }

  /**
   * Draws histograms of several samples on common bins, bars of one bin side by side.
   *
   * @param samples the values by legend entry, in drawing order
   * @param colours the colour by legend entry
   */
  static JFreeChart histogram(
      String title, String xLabel, Map<String, double[]> samples, Map<String, Color> colours) {
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    for (double[] values : samples.values()) {
      for (double v : values) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    }
    if (!(low < high)) {
      double centre = Double.isFinite(low) ? low : 0;
      double half = Math.max(0.5, 0.05 * Math.abs(centre));
      low = centre - half;
      high = centre + half;
    }
    HistogramDataset data = new HistogramDataset();
    ClusteredXYBarRenderer renderer = new ClusteredXYBarRenderer(0.1, false);
    renderer.setBarPainter(new StandardXYBarPainter());
    renderer.setShadowVisible(false);
    renderer.setDrawBarOutline(false);
    int i = 0;
    for (Map.Entry<String, double[]> e : samples.entrySet()) {
      if (e.getValue().length == 0) {
        continue;
      }
      data.addSeries(e.getKey(), e.getValue(), HISTOGRAM_BINS, low, high);
      renderer.setSeriesPaint(i++, colours.get(e.getKey()));
    }
    NumberAxis count = numberAxis("episodes (count)");
    count.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    count.setAutoRangeIncludesZero(true);
    XYPlot plot = new XYPlot(data, numberAxis(xLabel), count, renderer);
    plot.setOrientation(PlotOrientation.VERTICAL);
    return finish(title, plot);
  }

  /**
   * Writes {@code chart} as a {@link #WIDTH} by {@link #HEIGHT} PNG.
   *
   * @throws UncheckedIOException when the file cannot be written
   */
  static void writePng(JFreeChart chart, Path file) {
    try {
      ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static NumberAxis numberAxis(String label) {
    NumberAxis axis = new NumberAxis(label);
    axis.setAutoRangeIncludesZero(false);
    return axis;
  }

  private static Stroke dashed(float width) {
    return new BasicStroke(
        width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
  }

  private static JFreeChart finish(String title, XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    plot.setOutlinePaint(new Color(0x999999));
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    chart.setAntiAlias(true);
    LegendTitle legend = chart.getLegend();
    legend.setPosition(RectangleEdge.BOTTOM);
    legend.setItemFont(LABEL_FONT);
    return chart;
  }
}
