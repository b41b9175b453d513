package io.gpki.sync.replication;

import io.gpki.sync.ChangeRecord;
import io.gpki.sync.DemotionToken;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The stream's line format (docs/replication.md, "Stream frames"): one ASCII line per frame, fields
 * separated by TAB; text that may hold anything is base64, hashes are hex.
 *
 * <pre>
 * R seq epoch schema recordedAt entity base64(key) op hex(prev_hash) hex(hash) base64(payload) base64(attachment)|-
 * H epoch head_seq sent_at_millis
 * T epoch last_seq hex(last_hash) from to approval requested_by approved_by ended_at
 * </pre>
 */
final class Frames {

  private static final HexFormat HEX = HexFormat.of();

  private Frames() {}

  /** A decoded frame. */
  sealed interface Frame permits RecordFrame, Heartbeat, Handover {}

  /** A change-log record. */
  record RecordFrame(ChangeRecord record) implements Frame {}

  /** The master's epoch and head when the stream idles (and after each page). */
  record Heartbeat(long epoch, long headSeq, long sentAtMillis) implements Frame {}

  /** The master's demotion token: the last frame it sends to the target of a switchover. */
  record Handover(DemotionToken token) implements Frame {}

  static String handover(DemotionToken t) {
    return "T\t" + t.fields() + "\n";
  }

  static String record(ChangeRecord r) {
    return "R\t"
        + r.seq()
        + "\t"
        + r.epoch()
        + "\t"
        + r.schemaVersion()
        + "\t"
        + r.recordedAt()
        + "\t"
        + r.entity()
        + "\t"
        + b64(r.entityKey())
        + "\t"
        + r.op()
        + "\t"
        + HEX.formatHex(r.prevHash())
        + "\t"
        + HEX.formatHex(r.hash())
        + "\t"
        + b64(r.payload())
        + "\t"
        + (r.attachment() == null ? "-" : Base64.getEncoder().encodeToString(r.attachment()))
        + "\n";
  }

  static String heartbeat(long epoch, long head, long millis) {
    return "H\t" + epoch + "\t" + head + "\t" + millis + "\n";
  }

  /** Decodes one line (without its newline). */
  static Frame parse(String line) {
    String[] f = line.split("\t", -1);
    switch (f[0]) {
      case "R" -> {
        if (f.length != 12) {
          throw new IllegalArgumentException("record frame with " + f.length + " fields");
        }
        return new RecordFrame(
            new ChangeRecord(
                Long.parseLong(f[1]),
                Long.parseLong(f[2]),
                Integer.parseInt(f[3]),
                Instant.parse(f[4]),
                f[5],
                unb64(f[6]),
                f[7],
                unb64(f[10]),
                HEX.parseHex(f[8]),
                HEX.parseHex(f[9]),
                "-".equals(f[11]) ? null : Base64.getDecoder().decode(f[11])));
      }
      case "H" -> {
        if (f.length != 4) {
          throw new IllegalArgumentException("heartbeat frame with " + f.length + " fields");
        }
        return new Heartbeat(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
      }
      case "T" -> {
        return new Handover(DemotionToken.parse(f, 1));
      }
      default -> throw new IllegalArgumentException("unknown frame type " + f[0]);
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String unb64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }
}
