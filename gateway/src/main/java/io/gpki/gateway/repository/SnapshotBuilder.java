package io.gpki.gateway.repository;

import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.signer.CrlScope;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CertificateKind;
import io.gpki.sync.CertificateRecord;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.CrossPairRecord;
import io.gpki.sync.Referral;
import io.gpki.sync.RepositoryContent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import tools.jackson.databind.json.JsonMapper;

/** Turns a consistent store read into a {@link RepositorySnapshot} of pre-encoded bytes. */
final class SnapshotBuilder {

  static final String PKIX_CERT = "application/pkix-cert";
  static final String PKIX_CRL = "application/pkix-crl";
  static final String PKCS7_MIME = "application/pkcs7-mime";
  static final String CROSS_PAIR = "application/octet-stream";
  static final String JSON = "application/json";

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private final RepositoryUrls urls;
  private final Clock clock;
  private final RepositoryInterfaces interfaces;
  private final LookupIndexBuilder lookups;
  private final DirectoryBuilder directory = new DirectoryBuilder();

  SnapshotBuilder(
      RepositoryUrls urls, Clock clock, RepositoryInterfaces interfaces, int maxResults) {
    this.urls = urls;
    this.clock = clock;
    this.interfaces = interfaces;
    this.lookups = new LookupIndexBuilder(maxResults);
  }

  RepositorySnapshot build(RepositoryContent c) {
    return build(c, List.of());
  }

  RepositorySnapshot build(RepositoryContent c, List<Referral> referrals) {
    return build(c, referrals, Set.of());
  }

  /**
   * @param sharedCertificateKeys certificate index keys that unlabelled end-entity certificates
   *     (not in the snapshot) also have
   */
  RepositorySnapshot build(
      RepositoryContent c, List<Referral> referrals, Set<String> sharedCertificateKeys) {
    Instant now = clock.instant();
    Map<String, Published> byPath = new LinkedHashMap<>();
    List<Map<String, Object>> cas = new ArrayList<>();
    for (CaRecord ca : c.cas()) {
      cas.add(publishCa(ca, c, byPath));
    }
    for (CertificateRecord cert : c.caCertificates()) {
      byPath.put(
          RepositoryUrls.certificatePath(cert.issuerCaId(), cert.serialHex()), certificate(cert));
    }
    List<Map<String, Object>> demo = new ArrayList<>();
    for (CertificateRecord cert : c.labeledCertificates()) {
      String path = RepositoryUrls.certificatePath(cert.issuerCaId(), cert.serialHex());
      byPath.put(path, certificate(cert));
      demo.add(demoEntry(cert, path, now));
    }
    for (CrossPairRecord pair : c.crossPairs()) {
      byPath.put(
          RepositoryUrls.crossPairPath(pair.id()),
          new Published(pair.der(), CROSS_PAIR, etag(pair.der()), pair.updatedAt(), null));
    }
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("changeLogSeq", c.changeLogHead());
    index.put("generatedAt", now.toString());
    index.put("baseUrl", urls.base());
    index.put("interfaces", interfaces.index());
    index.put("cas", cas);
    Map<String, Object> demoSection = new LinkedHashMap<>();
    demoSection.put("endEntities", demo);
    Map<String, Object> lra = interfaces.demoRegistration();
    if (!lra.isEmpty()) {
      demoSection.put("lra", lra);
    }
    index.put("demo", demoSection);
    byte[] json = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(index);
    byPath.put(RepositoryUrls.indexPath(), new Published(json, JSON, etag(json), now, null));
    List<CertificateRecord> all = new ArrayList<>(c.caCertificates());
    all.addAll(c.labeledCertificates());
    return new RepositorySnapshot(
        c.changeLogHead(),
        now,
        Map.copyOf(byPath),
        lookups.build(all, c.cas(), c.latestCrls(), sharedCertificateKeys),
        directory.build(c, referrals));
  }

  private Map<String, Object> publishCa(
      CaRecord ca, RepositoryContent c, Map<String, Published> byPath) {
    List<CertificateRecord> issuedTo =
        c.caCertificates().stream().filter(x -> ca.id().equals(x.subjectCaId())).toList();
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("id", ca.id());
    entry.put("name", ca.displayName());
    entry.put("role", ca.role());
    entry.put("subject", ca.subjectDn());
    entry.put("policy", ca.policyOid());
    entry.put("currentGeneration", ca.currentGeneration());
    issuedTo.stream()
        .filter(
            x ->
                x.kind() == CertificateKind.SELF_SIGNED
                    && x.issuerGeneration() == ca.currentGeneration())
        .max(Comparator.comparing(CertificateRecord::issuedAt))
        .ifPresent(
            current -> {
              String path = RepositoryUrls.caCertificatePath(ca.id());
              byPath.put(path, certificate(current));
              entry.put("certificate", urls.absolute(path));
            });
    if (!issuedTo.isEmpty()) {
      byte[] bundle = bundle(issuedTo);
      String path = RepositoryUrls.caIssuersPath(ca.id());
      byPath.put(
          path,
          new Published(
              bundle,
              PKCS7_MIME,
              etag(bundle),
              issuedTo.stream()
                  .map(CertificateRecord::issuedAt)
                  .max(Comparator.naturalOrder())
                  .orElseThrow(),
              null));
      entry.put("caIssuers", urls.absolute(path));
    }
    for (CrlScope scope : CrlScope.values()) {
      c.latestCrls().stream()
          .filter(l -> l.caId().equals(ca.id()) && l.scope().equals(scope.name()))
          .findFirst()
          .ifPresent(
              l -> {
                String path = RepositoryUrls.listPath(ca.id(), scope);
                byPath.put(
                    path,
                    new Published(
                        l.der(), PKIX_CRL, etag(l.der()), l.thisUpdate(), l.nextUpdate()));
                entry.put(
                    scope.name().toLowerCase(java.util.Locale.ROOT), listEntry(ca, scope, l, path));
              });
    }
    entry.put("certificates", issuedTo.stream().map(this::certEntry).toList());
    entry.put(
        "crossCertificatePairs",
        c.crossPairs().stream()
            .filter(p -> p.ownerCaId().equals(ca.id()))
            .map(
                p ->
                    Map.<String, Object>of(
                        "id", p.id(),
                        "peer", p.peerCaId(),
                        "url", urls.absolute(RepositoryUrls.crossPairPath(p.id()))))
            .toList());
    return entry;
  }

  private Map<String, Object> listEntry(CaRecord ca, CrlScope scope, CrlRecord l, String path) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("url", urls.absolute(path));
    m.put("ldap", urls.distributionPoints(ca.id(), ca.subjectDn(), scope).get(1));
    m.put("number", l.number().toString());
    m.put("thisUpdate", l.thisUpdate().toString());
    m.put("nextUpdate", l.nextUpdate().toString());
    m.put("entries", l.entryCount());
    m.put("archive", urls.absolute(RepositoryUrls.archivedListPath(ca.id(), scope, l.number())));
    return m;
  }

  private Map<String, Object> certEntry(CertificateRecord x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", x.kind().name());
    m.put("issuerCa", x.issuerCaId());
    m.put("issuerGeneration", x.issuerGeneration());
    m.put("serial", x.serialHex());
    m.put("subject", x.subjectDn());
    m.put("issuer", x.issuerDn());
    m.put("notAfter", x.notAfter().toString());
    m.put("revoked", x.revoked());
    m.put("url", urls.absolute(RepositoryUrls.certificatePath(x.issuerCaId(), x.serialHex())));
    return m;
  }

  private Map<String, Object> demoEntry(CertificateRecord x, String path, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("issuerCa", x.issuerCaId());
    m.put("subject", x.subjectDn());
    m.put("serial", x.serialHex());
    m.put("profile", x.profile());
    m.put("label", Objects.requireNonNullElse(x.label(), ""));
    m.put(
        "expectedStatus",
        x.revoked() ? "REVOKED" : x.notAfter().isBefore(now) ? "EXPIRED" : "VALID");
    m.put("url", urls.absolute(path));
    return m;
  }

  static Published certificate(CertificateRecord cert) {
    return new Published(cert.der(), PKIX_CERT, etag(cert.sha256()), cert.issuedAt(), null);
  }

  /** A CMS certs-only SignedData bundle (RFC 5280 4.2.2.1 caIssuers over HTTP). */
  static byte[] bundle(List<CertificateRecord> certs) {
    try {
      CMSSignedDataGenerator g = new CMSSignedDataGenerator();
      for (CertificateRecord c : certs) {
        g.addCertificate(new X509CertificateHolder(c.der()));
      }
      return g.generate(new CMSAbsentContent()).getEncoded("DER");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (CMSException e) {
      throw new IllegalStateException("cannot build certs-only bundle", e);
    }
  }

  static String etag(byte[] bytes) {
    byte[] hash = bytes.length == 32 ? bytes : sha256(bytes);
    return "\"" + HexFormat.of().formatHex(hash, 0, 16) + "\"";
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
