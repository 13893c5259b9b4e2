package org.safeloop.experiments.report;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.jfree.chart.JFreeChart;

/**
 * The PNG files of one report: gives each chart a file name beside the page, made from a readable
 * name and distinct from every other, and writes it. Not thread-safe.
 */
final class Figures {
  private final Path dir;
  private final Set<String> used = new HashSet<>();

  /** Writes into the report folder {@code dir}. */
  Figures(Path dir) {
    this.dir = dir;
  }

  /**
   * Writes {@code chart} as a PNG named after {@code name}.
   *
   * @return the file name, relative to the page
   */
  String write(String name, JFreeChart chart) {
    String base = Format.slug(name);
    String file = base + ".png";
    for (int n = 2; !used.add(file); n++) {
      file = base + "-" + n + ".png";
    }
    Charts.writePng(chart, dir.resolve(file));
    return file;
  }
}
