package io.gpki.gateway.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.testing.CaTier;
import io.gpki.signer.CaSigners;
import io.gpki.signer.CrlScope;
import io.gpki.signer.KeySourceSpec;
import io.gpki.signer.KeySpec;
import io.gpki.signer.ManagedCaSigner;
import io.gpki.sync.CrlNumbers;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.StoreException;
import io.gpki.sync.testing.TestDatabase;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * The CRL publisher's epoch-major numbers end to end: a real signer, a real PostgreSQL, the CRL
 * number read back from the signed DER. The clock is injected and stepped back; the epoch changes
 * as at a promotion; a zombie writer of the old epoch gets no number.
 */
class CrlNumberingIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final BigInteger RANGE = BigInteger.ONE.shiftLeft(64);

  @TempDir static Path keys;
  private static RepositoryStore store;
  private static ManagedCaSigner signer;
  private static final SteppedClock CLOCK = new SteppedClock(Instant.parse("2031-03-01T10:00:00Z"));
  private static final AtomicLong EPOCH = new AtomicLong(1);
  private static CrlPublisher publisher;
  private static CaEngine engine;
  private static RepositoryUrls urls;
  private static RepositoryChanges changes;

  @BeforeAll
  static void setUp() throws Exception {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    store = RepositoryStore.open(db, 4, CLOCK);
    Path pass = keys.resolve("soft.pass");
    Files.writeString(pass, "crl-numbering-test\n");
    signer =
        CaSigners.create(
            List.of(
                new KeySourceSpec.Pkcs12(
                    "soft",
                    keys.resolve("soft.p12"),
                    pass,
                    null,
                    KeySourceSpec.Resilience.defaults())));
    urls = new RepositoryUrls("http://localhost:18080", "ldap://localhost:11389");
    changes = new RepositoryChanges();
    engine = CaTier.engine(signer, store, urls, CLOCK, changes);
    publisher = publisher(EPOCH::get, CLOCK);
    engine
        .createCa(
            new CaEngine.NewCa(
                "numca",
                "Numbering CA",
                "GOVERNMENT",
                new X500Name("C=JP,O=Test,CN=Numbering CA"),
                null,
                KeySpec.EC_P256,
                Duration.ofDays(365)))
        .block(WAIT);
  }

  private static CrlPublisher publisher(java.util.function.LongSupplier epoch, Clock clock) {
    return CaTier.publisher(engine, signer, store, urls, clock, changes, epoch);
  }

  @AfterAll
  static void tearDown() {
    signer.close();
    store.close();
  }

  private static BigInteger signedNumber(CrlRecord crl) throws Exception {
    X509CRLHolder holder = new X509CRLHolder(crl.der());
    BigInteger inDer =
        ASN1Integer.getInstance(holder.getExtension(Extension.cRLNumber).getParsedValue())
            .getValue();
    assertThat(inDer)
        .as("the number signed into the list is the one archived")
        .isEqualTo(crl.number());
    return inDer;
  }

  @Test
  void clockSteppedBackAnHourNumbersStillIncreaseAndTheNextEpochOutranksTheLast() throws Exception {
    CrlRecord first = publisher.publish("numca", CrlScope.CRL).block(WAIT);
    BigInteger n1 = signedNumber(first);
    assertThat(CrlNumbers.epochOf(n1)).isEqualTo(1);
    assertThat(n1.subtract(RANGE)).isEqualTo(BigInteger.valueOf(CLOCK.instant().toEpochMilli()));

    CLOCK.step(Duration.ofHours(-1));
    BigInteger n2 = signedNumber(publisher.publish("numca", CrlScope.CRL).block(WAIT));
    assertThat(n2).as("clock stepped back an hour").isGreaterThan(n1);
    BigInteger arl = signedNumber(publisher.publish("numca", CrlScope.ARL).block(WAIT));
    assertThat(CrlNumbers.epochOf(arl)).isEqualTo(1);

    // Promotion: epoch 2, and a clock that is now years behind.
    EPOCH.set(2);
    CLOCK.step(Duration.ofDays(-3650));
    BigInteger n3 = signedNumber(publisher.publish("numca", CrlScope.CRL).block(WAIT));
    assertThat(n3).isGreaterThan(n2);
    assertThat(CrlNumbers.epochOf(n3)).isEqualTo(2);
    assertThat(store.crls().latest("numca", "CRL").block(WAIT).number()).isEqualTo(n3);

    // A zombie of epoch 1 whose clock runs far ahead: no number, no list.
    SteppedClock ahead = new SteppedClock(Instant.parse("2999-01-01T00:00:00Z"));
    StepVerifier.create(publisher(() -> 1, ahead).publish("numca", CrlScope.CRL))
        .expectError(StoreException.StaleEpoch.class)
        .verify(WAIT);
    assertThat(store.crls().latest("numca", "CRL").block(WAIT).number()).isEqualTo(n3);
    assertThat(n3.toByteArray().length).as("RFC 5280: at most 20 octets").isLessThanOrEqualTo(20);
  }

  /** A clock the test steps, forwards or back. */
  static final class SteppedClock extends Clock {
    private volatile Instant now;

    SteppedClock(Instant now) {
      this.now = now;
    }

    void step(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
