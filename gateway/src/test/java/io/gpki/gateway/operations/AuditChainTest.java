package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.AuditChain;
import io.gpki.sync.AuditEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditChainTest {

  @Test
  void everyFieldAndTheLinkChangeTheHash() {
    Instant t = Instant.parse("2026-11-22T09:00:00.123456789Z");
    AuditEvent e = new AuditEvent("T", "s", "a", "o", "OK", "d");
    byte[] h = AuditChain.hash(AuditChain.genesis(), 1, t, e);
    assertThat(AuditChain.hash(AuditChain.genesis(), 1, AuditChain.stored(t), e))
        .as("stored precision")
        .isEqualTo(h);
    assertThat(AuditChain.hash(h, 1, t, e)).isNotEqualTo(h);
    assertThat(AuditChain.hash(AuditChain.genesis(), 2, t, e)).isNotEqualTo(h);
    assertThat(
            AuditChain.hash(
                AuditChain.genesis(), 1, t, new AuditEvent("T", "s", "a", "o", "OK", "d2")))
        .isNotEqualTo(h);
    // length prefixes: moving a character between fields changes the hash
    assertThat(
            AuditChain.hash(
                AuditChain.genesis(), 1, t, new AuditEvent("Ts", "", "a", "o", "OK", "d")))
        .isNotEqualTo(h);
  }
}
