package io.gpki.gateway.config;

import io.gpki.gateway.registration.Enrolment;
import io.gpki.gateway.registration.Pkcs12Files;
import io.gpki.signer.CertificateProfile;
import io.gpki.sync.replication.ReplicationTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Replication certificates, issued by the trust CA (osca) with the enrolment the LRA listener uses,
 * kept under {@code dataDir/replication/}: the master's {@code server-tls.p12} (SERVER_TLS, CN =
 * its center id), a {@code peer-<id>-client.p12} (CLIENT_TLS, CN = the peer's id) for each allowed
 * peer, which the operator copies to that center as {@code client-tls.p12} (with its {@code .pass}
 * file). A backup cannot issue (it signs nothing until promoted), so it only reads its copy.
 */
final class ReplicationCredentials {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationCredentials.class);
  private static final Duration VALIDITY = Duration.ofDays(365);

  private final Enrolment enrolment;
  private final Scheduler blocking;
  private final Path dir;

  ReplicationCredentials(Enrolment enrolment, Scheduler blocking, Path dataDir) {
    this.enrolment = enrolment;
    this.blocking = blocking;
    this.dir = dataDir.toAbsolutePath().normalize().resolve("replication");
  }

  /** The master's listener credential, trusting the trust CA's self-signed certificates. */
  Mono<ReplicationTls> server(String trustCa, String centerId, List<String> names) {
    List<GeneralName> sans =
        names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toList();
    return ensure(
            dir.resolve("server-tls.p12"), trustCa, centerId, CertificateProfile.SERVER_TLS, sans)
        .zipWith(enrolment.anchors(trustCa).map(c -> Pkcs12Files.x509(c.der())).collectList())
        .map(t -> new ReplicationTls(t.getT1().key(), Arrays.asList(t.getT1().chain()), t.getT2()));
  }

  /** Issues (once) the client credential of each peer, for the operator to copy there. */
  Mono<Void> peers(String trustCa, List<String> peers) {
    return reactor.core.publisher.Flux.fromIterable(peers)
        .concatMap(
            p ->
                ensure(
                    dir.resolve("peer-" + p + "-client.p12"),
                    trustCa,
                    p,
                    CertificateProfile.CLIENT_TLS,
                    List.of()))
        .then();
  }

  /** The backup's client credential (copied from the master); its issuer is the trust anchor. */
  Mono<ReplicationTls> client() {
    Path file = dir.resolve("client-tls.p12");
    return Mono.fromCallable(
            () -> {
              if (!Files.exists(file)) {
                throw new IllegalStateException(
                    "no replication client credential "
                        + file
                        + ": copy the master's "
                        + "replication/peer-<this center>-client.p12 and its .pass file there");
              }
              Pkcs12Files.Credential c = Pkcs12Files.read(file, Pkcs12Files.passwordFile(file));
              List<X509Certificate> chain = Arrays.asList(c.chain());
              return new ReplicationTls(c.key(), chain, chain.subList(1, chain.size()));
            })
        .subscribeOn(blocking);
  }

  private Mono<Pkcs12Files.Credential> ensure(
      Path file, String trustCa, String cn, CertificateProfile profile, List<GeneralName> sans) {
    return Mono.fromCallable(
            () ->
                Files.exists(file)
                    ? java.util.Optional.of(Pkcs12Files.read(file, Pkcs12Files.passwordFile(file)))
                    : java.util.Optional.<Pkcs12Files.Credential>empty())
        .subscribeOn(blocking)
        .flatMap(
            existing ->
                existing.isPresent()
                    ? Mono.just(existing.get())
                    : enrolment
                        .enrol(
                            trustCa,
                            new X500NameBuilder(BCStyle.INSTANCE)
                                .addRDN(BCStyle.C, "JP")
                                .addRDN(BCStyle.O, "Japanese Government")
                                .addRDN(BCStyle.OU, "GPKI Replication")
                                .addRDN(BCStyle.CN, cn)
                                .build(),
                            profile,
                            sans,
                            VALIDITY)
                        .flatMap(
                            cred ->
                                Mono.fromCallable(() -> Pkcs12Files.write(file, cred))
                                    .subscribeOn(blocking)
                                    .doOnNext(
                                        p ->
                                            LOG.info(
                                                "issued replication credential {} ({}) into {}",
                                                cn,
                                                profile,
                                                file))
                                    .thenReturn(cred)));
  }
}
