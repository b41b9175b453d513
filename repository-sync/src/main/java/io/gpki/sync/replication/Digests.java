package io.gpki.sync.replication;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Anti-entropy: per-table digests in a line format, and the comparison that names divergence. */
public final class Digests {

  private Digests() {}

  /**
   * One anti-entropy comparison: the master's and this center's heads and the tables whose digests
   * differ. Only meaningful when the heads are equal ({@link #comparable()}); else compare again.
   */
  public record Comparison(long masterHead, long localHead, List<String> divergent) {
    public boolean comparable() {
      return masterHead == localHead;
    }
  }

  static String format(long head, Map<String, String> digests) {
    StringBuilder b = new StringBuilder("head ").append(head).append('\n');
    digests.forEach((t, d) -> b.append(t).append(' ').append(d).append('\n'));
    return b.toString();
  }

  static Map<String, String> parse(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(" ", 2);
      if (f.length == 2) {
        m.put(f[0], f[1]);
      }
    }
    return m;
  }

  /**
   * The tables whose digests differ. Meaningful when both sides are at the same head (compare
   * {@code "head"} first); an empty list means the replicated tables are identical.
   */
  public static List<String> divergent(Map<String, String> ours, Map<String, String> theirs) {
    return theirs.keySet().stream()
        .filter(t -> !t.equals("head"))
        .filter(t -> !java.util.Objects.equals(theirs.get(t), ours.get(t)))
        .toList();
  }
}
