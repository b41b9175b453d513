package io.gpki.sync;

import java.time.Instant;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * What a master that hands over to its backup (a switchover) gives the target: the epoch that ends,
 * its last change-log seq and the chain hash there. The target applies exactly up to {@code
 * lastSeq}, checks {@code lastHash}, and only then promotes itself at {@code epoch + 1}. Recorded
 * in the ending epoch's {@code epoch_history} row at the master, and in the new epoch's row (as its
 * fork point) at the target. It travels as the final frame of the mutual-TLS replication stream
 * (docs/replication.md, "Handover").
 *
 * @param epoch the epoch that ends
 * @param lastSeq the last change-log seq of that epoch
 * @param lastHash the chain hash at {@code lastSeq} (32 bytes)
 * @param fromCenter the demoted master
 * @param toCenter the only center that may promote itself with this token
 * @param approvalId the two-person approval of the switchover (requested and approved at the
 *     master)
 * @param requestedBy the requesting DR operator
 * @param approvedBy the approving DR operator
 * @param endedAt when the master stopped writing
 */
public record DemotionToken(
    long epoch,
    long lastSeq,
    byte[] lastHash,
    String fromCenter,
    String toCenter,
    String approvalId,
    String requestedBy,
    String approvedBy,
    Instant endedAt) {

  private static final HexFormat HEX = HexFormat.of();

  /** One line, fields separated by TAB (the stream's {@code T} frame without its tag). */
  public String fields() {
    return epoch
        + "\t"
        + lastSeq
        + "\t"
        + HEX.formatHex(lastHash)
        + "\t"
        + fromCenter
        + "\t"
        + toCenter
        + "\t"
        + approvalId
        + "\t"
        + requestedBy
        + "\t"
        + approvedBy
        + "\t"
        + endedAt;
  }

  /** Parses {@link #fields()} split on TAB, starting at {@code from}. */
  public static DemotionToken parse(String[] f, int from) {
    if (f.length - from != 9) {
      throw new IllegalArgumentException("a demotion token has 9 fields, not " + (f.length - from));
    }
    return new DemotionToken(
        Long.parseLong(f[from]),
        Long.parseLong(f[from + 1]),
        HEX.parseHex(f[from + 2]),
        f[from + 3],
        f[from + 4],
        f[from + 5],
        f[from + 6],
        f[from + 7],
        Instant.parse(f[from + 8]));
  }

  /** For logs and results. */
  public String summary() {
    return "epoch "
        + epoch
        + " of "
        + fromCenter
        + " ended at seq "
        + lastSeq
        + " (hash "
        + HEX.formatHex(lastHash)
        + "), handed to "
        + toCenter;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof DemotionToken t && fields().equals(t.fields());
  }

  @Override
  public int hashCode() {
    return fields().hashCode();
  }

  @Override
  public String toString() {
    return "DemotionToken[" + summary() + "]";
  }
}
