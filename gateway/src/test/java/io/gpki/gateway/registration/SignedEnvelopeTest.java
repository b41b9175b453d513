package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gpki.gateway.PkiException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The envelope checks every signed API shares: the signed idempotency key and signing time. */
class SignedEnvelopeTest {

  private static final Instant NOW = Instant.parse("2026-12-08T10:00:00Z");
  private static final Duration SKEW = Duration.ofMinutes(5);

  private static JsonNode body(String json) {
    return RegistrationJson.mapper().readTree(json);
  }

  @Test
  void theSignedKeyMustBeTheHeadersKey() {
    assertThatCode(() -> SignedBodies.sameKey(body("{\"idempotencyKey\":\"k-1\"}"), "k-1"))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> SignedBodies.sameKey(body("{\"idempotencyKey\":\"k-1\"}"), "k-2"))
        .isInstanceOf(PkiException.class)
        .hasMessage("idempotencyKey: must equal the Idempotency-Key header");
    assertThatThrownBy(() -> SignedBodies.sameKey(body("{\"idempotencyKey\":1}"), "1"))
        .as("a number is not the key")
        .isInstanceOf(PkiException.class);
    assertThatThrownBy(() -> SignedBodies.sameKey(body("{}"), "k-1"))
        .isInstanceOf(PkiException.class);
    assertThatThrownBy(() -> SignedBodies.sameKey("k-1", "k-2", SignedBodies.IDEMPOTENCY_KEY))
        .hasMessage("Idempotency-Key: must equal the signed idempotencyKey");
  }

  @Test
  void theSigningTimeMustBeWithinTheSkew() {
    assertThatCode(
            () -> SignedBodies.fresh(body("{\"signedAt\":\"2026-12-08T10:04:59Z\"}"), NOW, SKEW))
        .doesNotThrowAnyException();
    assertThatCode(
            () -> SignedBodies.fresh(body("{\"signedAt\":\"2026-12-08T09:55:00Z\"}"), NOW, SKEW))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () -> SignedBodies.fresh(body("{\"signedAt\":\"2026-12-08T09:54:59Z\"}"), NOW, SKEW))
        .hasMessageStartingWith("signedAt: more than PT5M");
    assertThatThrownBy(() -> SignedBodies.fresh(body("{}"), NOW, SKEW))
        .hasMessageStartingWith("signedAt: missing");
    assertThatThrownBy(() -> SignedBodies.fresh(body("{\"signedAt\":\"yesterday\"}"), NOW, SKEW))
        .hasMessage("signedAt: not an RFC 3339 time");
  }
}
