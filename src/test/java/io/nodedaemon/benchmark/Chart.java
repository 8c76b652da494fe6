package io.nodedaemon.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws step lines of counts over time (ready pods of the operator and of the floor) as a plain
 * SVG, so the benchmark's own run produces the chart docs/benchmarks.md shows, with no plotting
 * library.
 */
final class Chart {
  private Chart() {}

  /** One line of the chart. */
  record Series(String label, String colour, List<ReadyTimeline.Point> points) {}

  private static final int WIDTH = 720;
  private static final int HEIGHT = 360;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;

  static void write(Path file, String title, String yLabel, List<Series> series)
      throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, svg(title, yLabel, series));
  }

  static String svg(String title, String yLabel, List<Series> series) {
    long maxMillis = 1;
    int maxCount = 1;
    for (Series s : series) {
      for (ReadyTimeline.Point p : s.points()) {
        maxMillis = Math.max(maxMillis, p.millis());
        maxCount = Math.max(maxCount, p.count());
      }
    }
    double seconds = niceCeiling(maxMillis / 1000.0);
    double count = niceCeiling(maxCount);
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder svg = new StringBuilder();
    svg.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            WIDTH,
            HEIGHT,
            WIDTH,
            HEIGHT));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
            LEFT,
            escape(title)));
    for (int i = 0; i <= 5; i++) {
      double x = LEFT + plotW * i / 5.0;
      double y = TOP + plotH - plotH * i / 5.0;
      svg.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n"
                  + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n"
                  + "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
              x,
              TOP,
              x,
              TOP + plotH,
              x,
              TOP + plotH + 18,
              trim(seconds * i / 5),
              LEFT,
              y,
              LEFT + plotW,
              y,
              LEFT - 6,
              y + 4,
              trim(count * i / 5)));
    }
    svg.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">seconds</text>%n"
                + "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>%n",
            LEFT + plotW / 2,
            HEIGHT - 12,
            TOP + plotH / 2,
            TOP + plotH / 2,
            escape(yLabel)));
    int legendY = TOP + 16;
    for (Series s : series) {
      StringBuilder path = new StringBuilder();
      for (ReadyTimeline.Point p : s.points()) {
        double x = LEFT + plotW * (p.millis() / 1000.0) / seconds;
        double y = TOP + plotH - plotH * p.count() / count;
        // A step line from the x axis: a count holds until the next sample.
        path.append(
            path.length() == 0
                ? String.format(Locale.ROOT, "M%.1f %d V%.1f", x, TOP + plotH, y)
                : String.format(Locale.ROOT, " H%.1f V%.1f", x, y));
      }
      svg.append(
          String.format(
              Locale.ROOT,
              "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n"
                  + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n"
                  + "<text x=\"%d\" y=\"%d\">%s</text>%n",
              path,
              s.colour(),
              LEFT + 12,
              legendY - 4,
              LEFT + 36,
              legendY - 4,
              s.colour(),
              LEFT + 42,
              legendY,
              escape(s.label())));
      legendY += 18;
    }
    svg.append("</svg>\n");
    return svg.toString();
  }

  /** 1, 2 or 5 times a power of ten, at least {@code value}. */
  static double niceCeiling(double value) {
    double power = Math.pow(10, Math.floor(Math.log10(Math.max(value, 1e-9))));
    for (double step : new double[] {1, 2, 5, 10}) {
      if (step * power >= value) {
        return step * power;
      }
    }
    return 10 * power;
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
