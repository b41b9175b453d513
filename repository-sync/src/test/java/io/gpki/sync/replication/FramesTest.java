package io.gpki.sync.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.sync.ChangeLogChain;
import io.gpki.sync.ChangeRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The stream's line format round-trips every field exactly (keys and payloads with tabs, newlines,
 * non-ASCII).
 */
class FramesTest {

  @Test
  void aRecordFrameIsOneAsciiLineAndDecodesToTheSameRecord() {
    String payload = "{\"row\": {\"label\": \"tab\\there, 日本\"}, \"der\": \"AAEC\"}\n";
    byte[] hash =
        ChangeLogChain.hash(
            2, 3, 9, ChangeLogChain.genesis(), "CERTIFICATE", "osca/1a\t2b", "UPSERT", payload);
    ChangeRecord r =
        new ChangeRecord(
            9,
            3,
            2,
            Instant.parse("2026-12-07T22:00:00.123456Z"),
            "CERTIFICATE",
            "osca/1a\t2b",
            "UPSERT",
            payload,
            ChangeLogChain.genesis(),
            hash);

    String line = Frames.record(r);
    assertThat(line).endsWith("\n").doesNotContain("日本");
    assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n").matches("\\p{ASCII}*");
    Frames.Frame back = Frames.parse(line.substring(0, line.length() - 1));
    assertThat(back).isInstanceOf(Frames.RecordFrame.class);
    ChangeRecord d = ((Frames.RecordFrame) back).record();
    assertThat(d).usingRecursiveComparison().isEqualTo(r);
    assertThat(ChangeLogChain.intact(d)).isTrue();
  }

  @Test
  void heartbeatsCarryEpochAndHead() {
    String line = Frames.heartbeat(4, 1234, 99);
    assertThat(Frames.parse(line.trim())).isEqualTo(new Frames.Heartbeat(4, 1234, 99));
  }

  @Test
  void theDemotionTokenFrameDecodesToTheSameToken() {
    io.gpki.sync.DemotionToken t =
        new io.gpki.sync.DemotionToken(
            3,
            1234,
            ChangeLogChain.hash(2, 3, 1234, ChangeLogChain.genesis(), "CA", "k", "UPSERT", "{}"),
            "osaka",
            "tokyo",
            "approval-7",
            "ca-senior-1",
            "ca-senior-2",
            Instant.parse("2026-12-08T01:00:00.123456Z"));
    String line = Frames.handover(t);
    assertThat(line).startsWith("T\t").endsWith("\n");
    assertThat(Frames.parse(line.trim())).isEqualTo(new Frames.Handover(t));
    assertThatThrownBy(() -> Frames.parse("T\t3\t1234"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMalformedFrameIsAnError() {
    assertThatThrownBy(() -> Frames.parse("R\t1\t2")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Frames.parse("X\t1")).isInstanceOf(IllegalArgumentException.class);
  }
}
