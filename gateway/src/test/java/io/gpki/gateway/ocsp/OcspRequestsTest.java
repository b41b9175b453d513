package io.gpki.gateway.ocsp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Request decoding (GET URL forms, trailing bytes) and the configuration's consistency rules. */
class OcspRequestsTest {

  // A DER blob whose base64 holds '+', '/' and padding.
  private static final byte[] DER = {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, 0x3e, 0x01};

  @Test
  void getAcceptsStandardPercentEncodedUrlSafeAndUnpaddedBase64() {
    String std = Base64.getEncoder().encodeToString(DER);
    assertThat(std).contains("+").contains("/").endsWith("=");
    assertThat(OcspRequests.fromGetPath(std, 100)).isEqualTo(DER);
    assertThat(OcspRequests.fromGetPath(URLEncoder.encode(std, StandardCharsets.UTF_8), 100))
        .isEqualTo(DER);
    assertThat(
            OcspRequests.fromGetPath(
                Base64.getUrlEncoder().withoutPadding().encodeToString(DER), 100))
        .isEqualTo(DER);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "malformed/empty, ''",
    "malformed/bad escape, %zz",
    "malformed/cut escape, AB%4",
    "malformed/not base64, !!!!",
  })
  void badGetEncodingsAreRefused(String outcome, String encoded) {
    assertThat(OcspRequests.fromGetPath(encoded, 100)).as(outcome).isNull();
  }

  @Test
  void getRequestsOverTheSizeLimitAreRefused() {
    assertThat(OcspRequests.fromGetPath(Base64.getEncoder().encodeToString(new byte[200]), 100))
        .isNull();
  }

  @Test
  void onlyExactlyOneDerRequestDecodes() {
    assertThat(OcspRequests.decode(new byte[0])).isNull();
    assertThat(OcspRequests.decode(new byte[] {0x30, 0x00, 0x00})).isNull();
    assertThat(OcspRequests.decode(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01})).isNull();
  }

  @Test
  void nonceLengthCountsTheInnerOctetStringOrTheRawValue() throws Exception {
    assertThat(
            RequestFilter.nonceLength(
                new org.bouncycastle.asn1.DEROctetString(new byte[20]).getEncoded()))
        .isEqualTo(20);
    assertThat(RequestFilter.nonceLength(new byte[] {1, 2, 3})).isEqualTo(3);
  }

  @Test
  void statusResponsesArePreEncodedOcspResponses() throws Exception {
    for (OcspStatus s : OcspStatus.values()) {
      assertThat(new org.bouncycastle.cert.ocsp.OCSPResp(s.encoded()).getStatus())
          .isEqualTo(s.code());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "refused/period not shorter than validity, PT2H, PT2H, PT1M, P10D",
    "refused/min-remaining eats the re-sign margin, PT2H, PT1H, PT1H, P10D",
    "refused/responder renewed after answers expire, PT2H, PT1H, PT1M, PT1H",
  })
  void inconsistentDurationsStopStartup(
      String outcome,
      Duration validity,
      Duration period,
      Duration minRemaining,
      Duration renewBefore) {
    OcspProperties d = OcspProperties.defaults();
    assertThatThrownBy(
            () ->
                new OcspProperties(
                    validity,
                    period,
                    d.refreshInterval(),
                    d.roundTimeout(),
                    d.maxStaleness(),
                    minRemaining,
                    d.maxRequestBytes(),
                    d.maxCertificates(),
                    d.liveSigningConcurrency(),
                    d.liveSigningTimeout(),
                    d.repositoryTimeout(),
                    d.repositoryConcurrency(),
                    d.requestTimeout(),
                    d.maxCacheAge(),
                    d.responderValidity(),
                    renewBefore,
                    d.presignConcurrency()))
        .as(outcome)
        .isInstanceOf(IllegalArgumentException.class);
  }
}
