package io.gpki.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** The validation service's credentials survive a restart while they are still good for it. */
class ServiceCredentialsTest {

  private static final Clock NOW =
      Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
  private final Scheduler files = Schedulers.newBoundedElastic(1, 16, "test-credential-files");

  private record Counting(TestCa ca, AtomicInteger issued) implements CertificateIssuer {
    @Override
    public reactor.core.publisher.Mono<byte[]> issue(
        org.bouncycastle.asn1.x500.X500Name subject,
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo key,
        boolean tls,
        String host) {
      issued.incrementAndGet();
      return reactor.core.publisher.Mono.fromCallable(
          () -> ca.issue(subject, key.getEncoded(), false, List.of(), List.of()).der());
    }
  }

  private static ServiceCredentials start(
      Counting issuer, Path dir, String host, Clock clock, Scheduler files) {
    ServiceCredentials c = new ServiceCredentials();
    c.init(issuer, issuer.ca().selfSigned.der(), true, true, host, dir, clock, files, files)
        .block(Duration.ofSeconds(60));
    return c;
  }

  @Test
  void keepsTheCertificatesAcrossRestartsAndRenewsWhenTheyNoLongerFit(@TempDir Path dir)
      throws Exception {
    Counting osca = new Counting(new TestCa("Anchor", true), new AtomicInteger());
    ServiceCredentials first = start(osca, dir, "validation.example", NOW, files);
    assertThat(osca.issued()).hasValue(2);
    assertThat(dir.resolve("tls.p12")).exists();
    assertThat(dir.resolve("signing.p12")).exists();
    assertThat(Files.getPosixFilePermissions(dir.resolve("tls.p12.pass")))
        .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

    // Restart: both reused, nothing issued, and the JWS signer is the same certificate.
    ServiceCredentials second = start(osca, dir, "validation.example", NOW, files);
    assertThat(osca.issued()).hasValue(2);
    assertThat(second.tls().chain().get(0)).isEqualTo(first.tls().chain().get(0));
    assertThat(x5c(second.sign("{}".getBytes(StandardCharsets.UTF_8))))
        .isEqualTo(x5c(first.sign("{}".getBytes(StandardCharsets.UTF_8))));

    // Another host name: a new TLS certificate, the signing one stays.
    start(osca, dir, "other.example", NOW, files);
    assertThat(osca.issued()).hasValue(3);

    // Within 30 days of expiry (the test CA's certificates end 2040-01-01): both renewed.
    Clock late = Clock.fixed(Instant.parse("2039-12-15T00:00:00Z"), ZoneOffset.UTC);
    start(osca, dir, "other.example", late, files);
    assertThat(osca.issued()).hasValue(5);

    // Another anchor certificate (a new osca generation): both reissued under it.
    Counting next = new Counting(new TestCa("Anchor G2", true), new AtomicInteger());
    ServiceCredentials renewed = start(next, dir, "other.example", NOW, files);
    assertThat(next.issued()).hasValue(2);
    assertThat(renewed.tls().chain().get(1).getEncoded()).isEqualTo(next.ca().selfSigned.der());
  }

  @Test
  void anUnreadableFileIsReplacedNotFatal(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("signing.p12"), "not a keystore");
    Files.writeString(dir.resolve("signing.p12.pass"), "x\n");
    Counting osca = new Counting(new TestCa("Anchor", true), new AtomicInteger());
    ServiceCredentials c = start(osca, dir, "validation.example", NOW, files);
    assertThat(c.canSign()).isTrue();
    assertThat(osca.issued()).hasValue(2);
  }

  private static String x5c(String jws) {
    return jws.substring(0, jws.indexOf('.'));
  }
}
