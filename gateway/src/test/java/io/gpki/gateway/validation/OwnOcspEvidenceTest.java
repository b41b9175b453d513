package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our own responder's pre-signed answers as revocation evidence, through the engine with a
 * hand-written {@link OwnOcsp}: good, revoked, no answer (CRL as before), a stale "good" against a
 * CRL that lists the certificate (revoked), forged answers ignored, one signature check per
 * distinct response.
 */
class OwnOcspEvidenceTest {

  static final Instant NOW = Instant.parse("2030-06-01T00:00:00Z");
  static final TestCa CA = new TestCa("Own CA");
  static final TestCa OTHER = new TestCa("Someone Else");

  /** The fake responder: answers by serial, records what it was asked about. */
  static final class FakeResponder implements OwnOcsp {
    final Map<BigInteger, byte[]> answers = new HashMap<>();
    final List<BigInteger> asked = new ArrayList<>();

    @Override
    public byte @Nullable [] presigned(
        byte[] issuerNameDer, byte[] issuerKeyBits, BigInteger serial) {
      asked.add(serial);
      return answers.get(serial);
    }
  }

  FakeResponder responder;
  OwnOcspEvidence own;
  ValidationEngine engine;

  @BeforeEach
  void setUp() {
    responder = new FakeResponder();
    own = new OwnOcspEvidence(responder);
    engine = new ValidationEngine(Limits.defaults(), own);
  }

  private Outcome validate(Cert ee, List<Cert> revokedOnCrl) {
    CrlSet crls = CrlSet.of(List.of(CA.crl(revokedOnCrl)));
    return engine.validate(
        ee.withSource(Source.TARGET),
        CA.selfSigned.withSource(Source.TRUST_ANCHOR),
        CertPool.of(List.of()),
        crls,
        Map.of(),
        ValidationInputs.defaults(NOW));
  }

  private Outcome validateWithoutCrl(Cert ee) {
    return engine.validate(
        ee.withSource(Source.TARGET),
        CA.selfSigned.withSource(Source.TRUST_ANCHOR),
        CertPool.of(List.of()),
        CrlSet.of(List.of()),
        Map.of(),
        ValidationInputs.defaults(NOW));
  }

  /** A response for {@code ee} signed by {@code signer}'s key, thisUpdate {@code thisUpdate}. */
  static byte[] response(
      Cert ee, TestCa signer, @Nullable RevokedStatus revoked, Instant thisUpdate) {
    try {
      CertificateID id =
          new CertificateID(
              new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
              new X509CertificateHolder(CA.selfSigned.der()),
              ee.serial());
      BasicOCSPRespBuilder b = new BasicOCSPRespBuilder(new RespID(signer.name));
      b.addResponse(
          id,
          revoked == null ? CertificateStatus.GOOD : revoked,
          Date.from(thisUpdate),
          Date.from(thisUpdate.plusSeconds(86_400)));
      return new OCSPRespBuilder()
          .build(OCSPRespBuilder.SUCCESSFUL, b.build(signer.signer(), null, Date.from(thisUpdate)))
          .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> locations(Outcome o) {
    return o.evidence().stream().map(RevocationEvidence::location).toList();
  }

  @Test
  void goodFromTheResponderIsReportedAsOcspLocalNextToTheCrl() {
    Cert ee = CA.endEntity("Good", List.of());
    Instant at = NOW.minusSeconds(600);
    responder.answers.put(ee.serial(), response(ee, CA, null, at));
    Outcome o = validate(ee, List.of());
    assertThat(o).as(o.toString()).isInstanceOf(Outcome.Valid.class);
    assertThat(locations(o)).containsExactlyInAnyOrder("test:" + CA.name, OwnOcspEvidence.LOCATION);
    RevocationEvidence ev =
        o.evidence().stream()
            .filter(e -> e.location().equals(OwnOcspEvidence.LOCATION))
            .findFirst()
            .orElseThrow();
    assertThat(ev.kind()).isEqualTo("OCSP");
    assertThat(ev.certificateSerial()).isEqualTo(ee.serialHex());
    assertThat(ev.thisUpdate()).isEqualTo(at);
    assertThat(ev.nextUpdate()).isEqualTo(at.plusSeconds(86_400));
    assertThat(ev.producedAt()).isEqualTo(at);
    assertThat(ev.responderCertificate()).as("signed by the CA itself").isNull();
    assertThat(responder.asked).as("only the end entity, not the anchor").containsOnly(ee.serial());
  }

  @Test
  void goodFromTheResponderSufficesWithoutACrl() {
    Cert ee = CA.endEntity("No CRL", List.of());
    assertThat(validateWithoutCrl(ee)).isInstanceOf(Outcome.Indeterminate.class);
    responder.answers.put(ee.serial(), response(ee, CA, null, NOW.minusSeconds(60)));
    Outcome o = validateWithoutCrl(ee);
    assertThat(o).as(o.toString()).isInstanceOf(Outcome.Valid.class);
    assertThat(locations(o)).containsExactly(OwnOcspEvidence.LOCATION);
  }

  @Test
  void revokedFromTheResponderIsRevokedWithItsReasonAndDateEvenIfTheCrlIsOlder() {
    Cert ee = CA.endEntity("Revoked Since The CRL", List.of());
    Instant when = NOW.minusSeconds(300);
    responder.answers.put(
        ee.serial(),
        response(
            ee,
            CA,
            new RevokedStatus(Date.from(when), CRLReason.superseded),
            NOW.minusSeconds(60)));
    Outcome o = validate(ee, List.of());
    assertThat(o).as(o.toString()).isInstanceOf(Outcome.Invalid.class);
    Outcome.Invalid i = (Outcome.Invalid) o;
    assertThat(i.reason()).isEqualTo(Reason.REVOKED);
    assertThat(i.revoked()).isEqualTo(new Revoked("superseded", when));
    assertThat(locations(o)).contains(OwnOcspEvidence.LOCATION);
  }

  @Test
  void aStaleGoodLosesAgainstACrlThatListsTheCertificate() {
    Cert ee = CA.endEntity("Revoked On The CRL", List.of());
    responder.answers.put(ee.serial(), response(ee, CA, null, NOW.minusSeconds(60)));
    Outcome o = validate(ee, List.of(ee));
    assertThat(o).as(o.toString()).isInstanceOf(Outcome.Invalid.class);
    Outcome.Invalid i = (Outcome.Invalid) o;
    assertThat(i.reason()).isEqualTo(Reason.REVOKED);
    assertThat(i.revoked().reason()).isEqualTo("keyCompromise");
    assertThat(locations(o)).containsExactlyInAnyOrder("test:" + CA.name, OwnOcspEvidence.LOCATION);
  }

  @Test
  void withoutAnAnswerTheCrlDecidesAsBefore() {
    Cert ee = CA.endEntity("Not Presigned", List.of());
    Outcome good = validate(ee, List.of());
    assertThat(good).isInstanceOf(Outcome.Valid.class);
    assertThat(locations(good)).containsExactly("test:" + CA.name);
    Outcome revoked = validate(ee, List.of(ee));
    assertThat(((Outcome.Invalid) revoked).reason()).isEqualTo(Reason.REVOKED);
    Outcome none = validateWithoutCrl(ee);
    assertThat(none).as("cannot tell is never VALID").isInstanceOf(Outcome.Indeterminate.class);
    assertThat(((Outcome.Indeterminate) none).reason()).isEqualTo(Reason.REVOCATION_UNAVAILABLE);
  }

  @Test
  void answersNotSignedByTheIssuerOrNotCurrentAreIgnored() {
    Cert forged = CA.endEntity("Forged Answer", List.of());
    responder.answers.put(forged.serial(), response(forged, OTHER, null, NOW.minusSeconds(60)));
    assertThat(validateWithoutCrl(forged)).isInstanceOf(Outcome.Indeterminate.class);
    assertThat(locations(validate(forged, List.of()))).containsExactly("test:" + CA.name);

    Cert expired = CA.endEntity("Old Answer", List.of());
    responder.answers.put(
        expired.serial(), response(expired, CA, null, NOW.minusSeconds(2 * 86_400)));
    assertThat(validateWithoutCrl(expired)).isInstanceOf(Outcome.Indeterminate.class);

    Cert early = CA.endEntity("Future Answer", List.of());
    responder.answers.put(early.serial(), response(early, CA, null, NOW.plusSeconds(3600)));
    assertThat(validateWithoutCrl(early)).isInstanceOf(Outcome.Indeterminate.class);
  }

  @Test
  void checksTheSignatureOncePerDistinctResponse() {
    Cert ee = CA.endEntity("Checked Once", List.of());
    byte[] der = response(ee, CA, null, NOW.minusSeconds(60));
    responder.answers.put(ee.serial(), der);
    assertThat(validateWithoutCrl(ee)).isInstanceOf(Outcome.Valid.class);
    // Spoil the signature in place: the same array is not checked again (the responder never
    // modifies its arrays; this only shows the check is remembered) ...
    der[der.length - 1] ^= 1;
    assertThat(validateWithoutCrl(ee)).isInstanceOf(Outcome.Valid.class);
    assertThat(own.remembered()).isEqualTo(1);
    // ... while a new response (another array) is checked anew, and this one fails.
    responder.answers.put(ee.serial(), der.clone());
    assertThat(validateWithoutCrl(ee)).isInstanceOf(Outcome.Indeterminate.class);
    assertThat(own.remembered()).isEqualTo(1);
  }

  @Test
  void theEngineWithoutTheResponderNeverAsks() {
    Cert ee = CA.endEntity("CRL Only", List.of());
    responder.answers.put(ee.serial(), response(ee, CA, null, NOW.minusSeconds(60)));
    Outcome o =
        new ValidationEngine(Limits.defaults())
            .validate(
                ee.withSource(Source.TARGET),
                CA.selfSigned.withSource(Source.TRUST_ANCHOR),
                CertPool.of(List.of()),
                CrlSet.of(List.of()),
                ValidationInputs.defaults(NOW));
    assertThat(o).isInstanceOf(Outcome.Indeterminate.class);
    assertThat(responder.asked).isEmpty();
  }
}
