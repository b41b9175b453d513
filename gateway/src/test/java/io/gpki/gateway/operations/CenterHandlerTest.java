package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.PublicationHold;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The DR protection part of {@code GET /api/v1/operations/center} (also {@code gpki dr status}).
 */
class CenterHandlerTest {

  private static ObjectNode rendered(PublicationHold.Protection p) {
    ObjectNode n = JsonMapper.builder().build().createObjectNode();
    CenterHandler.protection(n, p);
    return n;
  }

  @Test
  void aMasterWhoseBackupHasNotAcknowledgedShowsDrUnprotectedWithTheHighWaterMark() {
    ObjectNode n =
        rendered(new PublicationHold.Protection(true, true, 412, 398, 3, Duration.ofSeconds(2)));
    assertThat(n.get("state").asString()).isEqualTo("DR_UNPROTECTED");
    assertThat(n.get("drUnprotected").asBoolean()).isTrue();
    assertThat(n.get("unprotectedHighWater").asLong()).isEqualTo(412);
    assertThat(n.get("acknowledgedSeq").asLong()).isEqualTo(398);
    assertThat(n.get("unprotectedPublications").asLong()).isEqualTo(3);
    assertThat(n.get("timeoutMillis").asLong()).isEqualTo(2000);
  }

  @Test
  void aCaughtUpBackupShowsProtectedAndALoneCenterShowsOff() {
    assertThat(
            rendered(
                    new PublicationHold.Protection(true, false, 412, 420, 3, Duration.ofSeconds(2)))
                .get("state")
                .asString())
        .isEqualTo("PROTECTED");
    assertThat(
            rendered(new PublicationHold.Protection(false, false, 0, 0, 0, Duration.ZERO))
                .get("state")
                .asString())
        .isEqualTo("OFF");
  }
}
