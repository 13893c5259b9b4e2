package org.safeloop.experiments.report;

import java.util.List;

/**
 * A small HTML writer for the report page: every text it is given is escaped, the style sheet is
 * inline, and nothing is loaded from the network or needs JavaScript. Not thread-safe.
 */
final class Html {
  private static final String STYLE =
      """
      body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1150px;
             margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
      h1 { font-size: 1.6em; border-bottom: 2px solid #1f4e79; padding-bottom: 0.2em; }
      h2 { font-size: 1.3em; color: #1f4e79; margin-top: 2em; }
      h3 { font-size: 1.1em; margin-top: 1.5em; }
      div.table { overflow-x: auto; margin: 0.8em 0; }
      table { border-collapse: collapse; font-size: 0.82em; }
      th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
      th { background: #e8eef5; }
      td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
      tr.baseline td { background: #f6f6f6; font-style: italic; }
      code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
      figure { margin: 1em 0; }
      figure img { max-width: 100%; border: 1px solid #ddd; }
      p.how, figcaption { color: #444; font-size: 0.92em; background: #f7f9fb;
                          border-left: 3px solid #1f4e79; padding: 0.4em 0.8em; margin: 0.3em 0; }
      p.note { color: #7a4b00; }
      """;

  private final StringBuilder body = new StringBuilder();
  private final String title;

  /** Starts a page titled {@code title}. */
  Html(String title) {
    this.title = title;
    body.append("<h1>").append(escape(title)).append("</h1>\n");
  }

  /**
   * Escapes text for HTML element content and double-quoted attribute values: {@code & < > " '}.
   */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** Adds a section heading. */
  Html section(String heading) {
    return element("h2", heading);
  }

  /** Adds a sub-heading. */
  Html subsection(String heading) {
    return element("h3", heading);
  }

  /** Adds a paragraph of text. */
  Html paragraph(String text) {
    return element("p", text);
  }

  /** Adds a paragraph saying how to read the figure or table above it. */
  Html howToRead(String text) {
    return element("p class=\"how\"", text);
  }

  /** Adds a paragraph that warns of something (e.g. a run left out). */
  Html note(String text) {
    return element("p class=\"note\"", text);
  }

  /** Adds {@code <tag attributes>text</tag>}; {@code open} is the tag and its attributes. */
  private Html element(String open, String text) {
    String tag = open.split(" ", 2)[0];
    body.append('<').append(open).append('>').append(escape(text));
    body.append("</").append(tag).append(">\n");
    return this;
  }

  /** Adds a bulleted list. */
  Html list(List<String> items) {
    body.append("<ul>\n");
    for (String item : items) {
      body.append("  <li>").append(escape(item)).append("</li>\n");
    }
    body.append("</ul>\n");
    return this;
  }

  /**
   * Adds a table.
   *
   * @param header the column names
   * @param rows the cells, each row as long as the header
   * @param rowClasses a CSS class per row (e.g. {@code baseline}), or null for none
   * @param numericColumns indices of the columns of figures, which are right-aligned
   */
  Html table(
      List<String> header,
      List<List<String>> rows,
      List<String> rowClasses,
      int... numericColumns) {
    boolean[] numeric = new boolean[header.size()];
    for (int c : numericColumns) {
      numeric[c] = true;
    }
    body.append("<div class=\"table\"><table>\n<thead><tr>");
    for (String h : header) {
      body.append("<th>").append(escape(h)).append("</th>");
    }
    body.append("</tr></thead>\n<tbody>\n");
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      if (row.size() != header.size()) {
        throw new IllegalArgumentException(
            "table row " + r + " has " + row.size() + " cells for " + header.size() + " columns");
      }
      String cls = rowClasses == null ? "" : rowClasses.get(r);
      body.append(cls.isEmpty() ? "<tr>" : "<tr class=\"" + escape(cls) + "\">");
      for (int c = 0; c < row.size(); c++) {
        body.append(numeric[c] ? "<td class=\"num\">" : "<td>")
            .append(escape(row.get(c)))
            .append("</td>");
      }
      body.append("</tr>\n");
    }
    body.append("</tbody>\n</table></div>\n");
    return this;
  }

  /**
   * Adds a figure: a PNG beside the page, referenced by a relative path, with its caption.
   *
   * @param file file name relative to the page
   * @param alt a short description for readers that do not show images
   * @param caption what the figure shows and how to read it
   */
  Html figure(String file, String alt, String caption) {
    body.append("<figure>\n  <img src=\"")
        .append(escape(file))
        .append("\" alt=\"")
        .append(escape(alt))
        .append("\">\n  <figcaption>")
        .append(escape(caption))
        .append("</figcaption>\n</figure>\n");
    return this;
  }

  /** Returns the whole page. */
  String page() {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
        + escape(title)
        + "</title>\n<style>\n"
        + STYLE
        + "</style>\n</head>\n<body>\n"
        + body
        + "</body>\n</html>\n";
  }
}
