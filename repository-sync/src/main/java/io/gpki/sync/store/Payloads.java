package io.gpki.sync.store;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.Revocation;

/** The JSON payload of each change-log entity: the full new state, binary fields in base64. */
final class Payloads {

  private Payloads() {}

  static String ca(CaRecord c) {
    return Json.object()
        .put("id", c.id())
        .put("displayName", c.displayName())
        .put("role", c.role())
        .put("subjectDn", c.subjectDn())
        .put("subjectDer", c.subjectDer())
        .put("policyOid", c.policyOid())
        .put("currentGeneration", c.currentGeneration())
        .put("createdAt", c.createdAt())
        .put("updatedAt", c.updatedAt())
        .build();
  }

  static String key(CaKeyRecord k) {
    return Json.object()
        .put("caId", k.caId())
        .put("generation", k.generation())
        .put("keyId", k.keyId())
        .put("keySource", k.keySource())
        .put("publicKey", k.publicKey())
        .put("keyIdentifier", k.keyIdentifier())
        .put("createdAt", k.createdAt())
        .build();
  }

  static String certificate(CertificateRecord c) {
    Revocation r = c.revocation();
    return Json.object()
        .put("id", c.id())
        .put("issuerCaId", c.issuerCaId())
        .put("issuerGeneration", c.issuerGeneration())
        .put("serialHex", c.serialHex())
        .put("kind", c.kind().name())
        .put("profile", c.profile())
        .put("subjectCaId", c.subjectCaId())
        .put("ca", c.ca())
        .put("label", c.label())
        .put("der", c.der())
        .put("issuedAt", c.issuedAt())
        .put("revokedAt", r == null ? null : r.revokedAt())
        .putNumber("revocationReason", r == null ? null : r.reason())
        .put("invalidityDate", r == null ? null : r.invalidityDate())
        .build();
  }

  static String crl(CrlRecord c) {
    return Json.object()
        .put("id", c.id())
        .put("caId", c.caId())
        .put("scope", c.scope())
        .put("number", c.number())
        .put("thisUpdate", c.thisUpdate())
        .put("nextUpdate", c.nextUpdate())
        .put("signerKeyId", c.signerKeyId())
        .put("entryCount", c.entryCount())
        .put("der", c.der())
        .build();
  }

  static String pair(CrossPairRecord p) {
    return Json.object()
        .put("id", p.id())
        .put("ownerCaId", p.ownerCaId())
        .put("peerCaId", p.peerCaId())
        .putNumber("forwardCertId", p.forwardCertId())
        .putNumber("reverseCertId", p.reverseCertId())
        .put("der", p.der())
        .put("updatedAt", p.updatedAt())
        .build();
  }
}
