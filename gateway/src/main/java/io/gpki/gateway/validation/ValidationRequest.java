package io.gpki.gateway.validation;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One certificate to validate.
 *
 * @param target the certificate
 * @param intermediates untrusted certificates supplied by the client
 * @param anchorId the trust anchor id (a configured CA id), ignored when {@code testCenter} names
 *     anchors
 * @param inputs the RFC 5280 inputs
 * @param testCenter test-center material (own anchors and CRLs), only when test-center mode is on
 */
public record ValidationRequest(
    Cert target,
    List<Cert> intermediates,
    String anchorId,
    ValidationInputs inputs,
    @Nullable TestCenter testCenter) {

  /**
   * Test-center mode inputs: trust anchors and CRLs supplied by the client, used instead of the
   * configured anchors and in addition to our repository's CRLs.
   *
   * @param anchors trust anchor certificates; the first one that yields a valid path wins
   * @param crls CRLs
   */
  public record TestCenter(List<Cert> anchors, List<CrlInfo> crls) {}
}
