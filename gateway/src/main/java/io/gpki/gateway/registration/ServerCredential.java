package io.gpki.gateway.registration;

import io.gpki.signer.CertificateProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The LRA listener's TLS server credential in {@code <dataDir>/registration/server-tls.p12}: issued
 * by the trust CA on first start, renewed when it expires within 30 days.
 */
public final class ServerCredential {

  private static final Logger LOG = LoggerFactory.getLogger(ServerCredential.class);
  private static final Duration RENEW_BEFORE = Duration.ofDays(30);

  private final Enrolment enrolment;
  private final Clock clock;
  private final Scheduler blocking;
  private final Path file;

  public ServerCredential(Enrolment enrolment, Clock clock, Scheduler blocking, Path dataDir) {
    this.enrolment = enrolment;
    this.clock = clock;
    this.blocking = blocking;
    this.file = dataDir.toAbsolutePath().normalize().resolve("registration/server-tls.p12");
  }

  /** Loads the credential, or issues a new one. */
  public Mono<Pkcs12Files.Credential> ensure(String caId, List<String> names) {
    return Mono.fromCallable(
            () ->
                Files.exists(file)
                    ? java.util.Optional.of(Pkcs12Files.read(file, Pkcs12Files.passwordFile(file)))
                    : java.util.Optional.<Pkcs12Files.Credential>empty())
        .subscribeOn(blocking)
        .flatMap(
            existing ->
                existing.isPresent()
                        && existing
                            .get()
                            .certificate()
                            .getNotAfter()
                            .toInstant()
                            .isAfter(clock.instant().plus(RENEW_BEFORE))
                    ? Mono.just(existing.get())
                    : issue(caId, names));
  }

  private Mono<Pkcs12Files.Credential> issue(String caId, List<String> names) {
    X500NameBuilder subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.C, "JP")
            .addRDN(BCStyle.O, "Japanese Government")
            .addRDN(BCStyle.OU, "GPKI LRA Listener")
            .addRDN(BCStyle.CN, names.get(0));
    List<GeneralName> sans =
        names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toList();
    return enrolment
        .enrol(caId, subject.build(), CertificateProfile.SERVER_TLS, sans, Duration.ofDays(365))
        .flatMap(
            cred ->
                Mono.fromCallable(() -> Pkcs12Files.write(file, cred))
                    .subscribeOn(blocking)
                    .doOnNext(
                        p -> LOG.info("issued the LRA listener's TLS certificate into {}", file))
                    .thenReturn(cred));
  }
}
