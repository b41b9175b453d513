package io.gpki.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The canonical encoding of docs/replication.md, byte for byte, and what the hash covers. */
class ChangeLogChainTest {

  @Test
  void theHashIsSha256OverTheDocumentedEncoding() throws Exception {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes(new byte[] {0, 2});
    expected.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 3});
    expected.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 42});
    expected.writeBytes(new byte[32]);
    for (String s : new String[] {"CRL", "osca/CRL/7", "UPSERT", "{\"row\": {\"id\": 1}}"}) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      expected.writeBytes(new byte[] {0, 0, 0, (byte) b.length});
      expected.writeBytes(b);
    }
    byte[] want = MessageDigest.getInstance("SHA-256").digest(expected.toByteArray());

    assertThat(
            ChangeLogChain.hash(
                2,
                3,
                42,
                ChangeLogChain.genesis(),
                "CRL",
                "osca/CRL/7",
                "UPSERT",
                "{\"row\": {\"id\": 1}}"))
        .isEqualTo(want);
  }

  @Test
  void everyHashedFieldChangesTheHashAndFieldBoundariesCannotShift() {
    byte[] base = ChangeLogChain.hash(2, 1, 5, ChangeLogChain.genesis(), "CA", "k", "UPSERT", "{}");
    assertThat(ChangeLogChain.hash(1, 1, 5, ChangeLogChain.genesis(), "CA", "k", "UPSERT", "{}"))
        .isNotEqualTo(base);
    assertThat(ChangeLogChain.hash(2, 2, 5, ChangeLogChain.genesis(), "CA", "k", "UPSERT", "{}"))
        .isNotEqualTo(base);
    assertThat(ChangeLogChain.hash(2, 1, 6, ChangeLogChain.genesis(), "CA", "k", "UPSERT", "{}"))
        .isNotEqualTo(base);
    assertThat(ChangeLogChain.hash(2, 1, 5, base, "CA", "k", "UPSERT", "{}")).isNotEqualTo(base);
    // "CA"+"k" and "C"+"Ak" are different records: the length prefixes keep them apart.
    assertThat(ChangeLogChain.hash(2, 1, 5, ChangeLogChain.genesis(), "C", "Ak", "UPSERT", "{}"))
        .isNotEqualTo(base);
    assertThat(ChangeLogChain.hash(2, 1, 5, ChangeLogChain.genesis(), "CA", "k", "DELETE", "{}"))
        .isNotEqualTo(base);
    assertThat(ChangeLogChain.hash(2, 1, 5, ChangeLogChain.genesis(), "CA", "k", "UPSERT", "{ }"))
        .isNotEqualTo(base);
  }

  @Test
  void intactChecksTheStoredHashAgainstTheFields() {
    byte[] h = ChangeLogChain.hash(2, 1, 1, ChangeLogChain.genesis(), "CA", "osca", "UPSERT", "{}");
    ChangeRecord r =
        new ChangeRecord(
            1, 1, 2, Instant.EPOCH, "CA", "osca", "UPSERT", "{}", ChangeLogChain.genesis(), h);
    assertThat(ChangeLogChain.intact(r)).isTrue();
    assertThat(
            ChangeLogChain.intact(
                new ChangeRecord(
                    1,
                    1,
                    2,
                    Instant.EPOCH,
                    "CA",
                    "osca",
                    "UPSERT",
                    "{\"x\": 1}",
                    ChangeLogChain.genesis(),
                    h)))
        .isFalse();
    assertThatThrownBy(() -> ChangeLogChain.hash(2, 1, 1, new byte[31], "CA", "k", "UPSERT", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
