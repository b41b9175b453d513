package io.gpki.gateway.registration;

import io.gpki.gateway.ca.Certificates;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.AuditEvent;
import io.gpki.sync.LraRecord;
import io.gpki.sync.LraRegistry;
import io.gpki.sync.OperatorRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The demo LRA: a ministry LRA for {@code osca} with two LRA operators, plus two senior CA
 * operators for two-person control. Each credential (key generated here, certificate by osca with
 * the CLIENT_TLS profile) is written only to {@code <dataDir>/demo-lra/<id>.p12} with its {@code
 * .p12.pass} file, both 0600. Idempotent: what exists is kept.
 */
public final class DemoLra {

  private static final Logger LOG = LoggerFactory.getLogger(DemoLra.class);

  /** The demo LRA's id. */
  public static final String LRA_ID = "demo-lra";

  /** Where every demo subject must lie. */
  public static final String BASE_DN = "OU=Ministry of Demo Affairs,O=Japanese Government,C=JP";

  /** A demo operator. */
  public record DemoOperator(
      String id, String lraId, List<OperatorRole> roles, Path pkcs12, Path passwordFile) {}

  private final LraRegistry lras;
  private final Enrolment enrolment;
  private final Clock clock;
  private final Scheduler blocking;
  private final Path dir;
  private final String caId;

  public DemoLra(
      LraRegistry lras,
      Enrolment enrolment,
      Clock clock,
      Scheduler blocking,
      Path dataDir,
      String caId) {
    this.lras = lras;
    this.enrolment = enrolment;
    this.clock = clock;
    this.blocking = blocking;
    this.dir = dataDir.toAbsolutePath().normalize().resolve("demo-lra");
    this.caId = caId;
  }

  /** The demo operators and where their credentials are. */
  public List<DemoOperator> operators() {
    return List.of(
        op("lra-operator-1", LRA_ID, OperatorRole.LRA_OPERATOR),
        op("lra-operator-2", LRA_ID, OperatorRole.LRA_OPERATOR),
        op("ca-senior-1", "", OperatorRole.SENIOR_CA_OPERATOR),
        op("ca-senior-2", "", OperatorRole.SENIOR_CA_OPERATOR));
  }

  /** The PEM file of the trust CA's certificates (what clients trust the listener by). */
  public Path trustAnchorsFile() {
    return dir.resolve("trust-" + caId + ".pem");
  }

  private DemoOperator op(String id, String lra, OperatorRole role) {
    Path p12 = dir.resolve(id + ".p12");
    return new DemoOperator(id, lra, List.of(role), p12, Pkcs12Files.passwordFile(p12));
  }

  /** Creates what is missing. */
  public Mono<Void> ensure() {
    LraRecord lra =
        new LraRecord(
            LRA_ID,
            "Ministry of Demo Affairs LRA (demo)",
            caId,
            BASE_DN,
            List.of(
                CertificateProfile.OFFICIAL_SIGNING.name(),
                CertificateProfile.USER_SIGNING.name(),
                CertificateProfile.ENCRYPTION.name()),
            List.of("demo.go.jp"),
            List.of(),
            clock.instant());
    return lras.lra(LRA_ID)
        .switchIfEmpty(
            Mono.defer(
                () ->
                    lras.registerLra(
                        lra,
                        new AuditEvent(
                            "LRA_REGISTERED",
                            "startup",
                            "system",
                            LRA_ID,
                            "DONE",
                            "demo LRA for " + caId + " under " + BASE_DN))))
        .thenMany(Flux.fromIterable(operators()).concatMap(this::ensureOperator))
        .then(writeAnchors())
        .doOnSuccess(
            v ->
                operators()
                    .forEach(
                        o ->
                            LOG.info(
                                "demo LRA credential {} {}: {} (password file {})",
                                o.id(),
                                o.roles(),
                                o.pkcs12(),
                                o.passwordFile())));
  }

  private Mono<Void> ensureOperator(DemoOperator o) {
    return lras.operator(o.id())
        .hasElement()
        .flatMap(
            exists ->
                exists
                    ? Mono.empty()
                    : enrolment
                        .enrol(
                            caId,
                            subject(o.id()),
                            CertificateProfile.CLIENT_TLS,
                            List.of(),
                            Duration.ofDays(730))
                        .flatMap(
                            cred ->
                                Mono.fromCallable(() -> Pkcs12Files.write(o.pkcs12(), cred))
                                    .subscribeOn(blocking)
                                    .then(
                                        lras.registerOperator(
                                            record(o, cred),
                                            new AuditEvent(
                                                "OPERATOR_REGISTERED",
                                                "startup",
                                                "system",
                                                o.id(),
                                                "DONE",
                                                "roles "
                                                    + o.roles()
                                                    + " certificate "
                                                    + cred.certificate()
                                                        .getSerialNumber()
                                                        .toString(16))))))
        .then();
  }

  private OperatorRecord record(DemoOperator o, Pkcs12Files.Credential cred) {
    try {
      byte[] der = cred.certificate().getEncoded();
      return new OperatorRecord(
          o.id(),
          o.lraId().isEmpty() ? null : o.lraId(),
          "Demo " + o.id(),
          OperatorRole.checked(o.roles()).stream().map(Enum::name).toList(),
          Certificates.digest("SHA-256", der),
          caId,
          Certificates.hex(cred.certificate().getSerialNumber()),
          true,
          clock.instant());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private Mono<Void> writeAnchors() {
    return enrolment
        .anchors(caId)
        .map(c -> Pem.encode("CERTIFICATE", c.der()))
        .reduce(String::concat)
        .flatMap(
            pem ->
                Mono.fromCallable(() -> Files.writeString(trustAnchorsFile(), pem))
                    .subscribeOn(blocking))
        .then();
  }

  private static org.bouncycastle.asn1.x500.X500Name subject(String id) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.C, "JP")
        .addRDN(BCStyle.O, "Japanese Government")
        .addRDN(BCStyle.OU, "GPKI Demo Operators")
        .addRDN(BCStyle.CN, id)
        .build();
  }
}
