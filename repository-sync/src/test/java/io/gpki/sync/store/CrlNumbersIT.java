package io.gpki.sync.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.sync.CaKeyRecord;
import io.gpki.sync.CaRecord;
import io.gpki.sync.CrlNumbers;
import io.gpki.sync.CrlRecord;
import io.gpki.sync.DatabaseCoordinates;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.StoreException;
import io.gpki.sync.testing.TestDatabase;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Epoch-major CRL numbers against a real PostgreSQL ({@code crl_number_state}, V7). */
class CrlNumbersIT {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);
  private static final BigInteger RANGE = BigInteger.ONE.shiftLeft(64);
  private static RepositoryStore store;
  private static CrlNumbers numbers;

  @BeforeAll
  static void open() {
    DatabaseCoordinates db = TestDatabase.freshDatabase();
    RepositoryStore.migrate(db);
    store = RepositoryStore.open(db, 8, Clock.systemUTC());
    numbers = store.crlNumbers();
  }

  @AfterAll
  static void close() {
    store.close();
  }

  private static void ca(String id) {
    store
        .cas()
        .createCa(
            new CaRecord(id, id, "GOVERNMENT", "CN=" + id, new byte[] {1}, null, 1, NOW, NOW),
            new CaKeyRecord(id, 1, id + "-g1", "soft", new byte[] {3}, new byte[] {4}, NOW))
        .block(WAIT);
  }

  private static BigInteger reserve(String ca, String scope, long epoch, long nowMillis) {
    return numbers.reserve(ca, scope, epoch, nowMillis).block(WAIT);
  }

  private static CrlRecord list(String ca, String scope, BigInteger number) {
    byte[] der = number.toByteArray();
    return new CrlRecord(0, ca, scope, number, NOW, NOW.plusSeconds(3600), ca + "-g1", 0, der, der);
  }

  @Test
  void numbersAreEpochTimesTwoToTheSixtyFourPlusMillisecondsAndStrictlyIncrease() {
    ca("n-ms");
    long t = NOW.toEpochMilli();
    BigInteger first = reserve("n-ms", "CRL", 1, t);
    assertThat(first).isEqualTo(RANGE.add(BigInteger.valueOf(t)));
    assertThat(reserve("n-ms", "CRL", 1, t))
        .as("same millisecond: last + 1")
        .isEqualTo(first.add(BigInteger.ONE));
    assertThat(reserve("n-ms", "ARL", 1, t)).as("each scope has its own sequence").isEqualTo(first);
    assertThat(CrlNumbers.epochOf(first)).isEqualTo(1);
  }

  @Test
  void clockSteppedBackAnHourNumbersStillIncrease() {
    ca("n-clock");
    long t = NOW.toEpochMilli();
    BigInteger before = reserve("n-clock", "CRL", 1, t);
    BigInteger after = reserve("n-clock", "CRL", 1, t - Duration.ofHours(1).toMillis());
    BigInteger later = reserve("n-clock", "CRL", 1, t - Duration.ofHours(1).toMillis() + 5);
    assertThat(after).isGreaterThan(before);
    assertThat(later).isGreaterThan(after);
    store.crls().archive(list("n-clock", "CRL", before)).block(WAIT);
    store.crls().archive(list("n-clock", "CRL", later)).block(WAIT);
    assertThat(store.crls().latest("n-clock", "CRL").block(WAIT).number()).isEqualTo(later);
  }

  @Test
  void noListOfEpochEOutranksOneOfEpochEPlusOne() {
    ca("n-epoch");
    // Epoch 2's writer with a clock far in the future, epoch 3's with a clock at 1970.
    long future = Instant.parse("2999-01-01T00:00:00Z").toEpochMilli();
    BigInteger zombie = reserve("n-epoch", "CRL", 2, future);
    BigInteger promoted = reserve("n-epoch", "CRL", 3, 0);
    assertThat(promoted).isGreaterThan(zombie);
    assertThat(CrlNumbers.epochOf(promoted)).isEqualTo(3);
    // The largest number epoch e can ever have is below the smallest of epoch e + 1.
    BigInteger maxOfTwo = CrlNumbers.number(2, RANGE.subtract(BigInteger.ONE));
    assertThat(maxOfTwo).isLessThan(CrlNumbers.number(3, BigInteger.ZERO));
    StepVerifier.create(numbers.reserve("n-epoch", "CRL", 2, future + 1))
        .as("the stale epoch's writer gets no number once a higher epoch holds the sequence")
        .expectError(StoreException.StaleEpoch.class)
        .verify(WAIT);
  }

  @Test
  void aListReplicatedFromAHigherEpochFencesTheLowerEpochsWriter() {
    ca("n-repl");
    store
        .crls()
        .archive(list("n-repl", "CRL", CrlNumbers.number(4, BigInteger.valueOf(1000))))
        .block(WAIT);
    StepVerifier.create(numbers.reserve("n-repl", "CRL", 3, NOW.toEpochMilli()))
        .expectError(StoreException.StaleEpoch.class)
        .verify(WAIT);
    assertThat(reserve("n-repl", "CRL", 5, 0)).isEqualTo(CrlNumbers.number(5, BigInteger.ZERO));
  }

  @Test
  void aDeploymentNumberedBeforeEpochsMovesAboveItsLastList() {
    ca("n-legacy");
    store.crls().archive(list("n-legacy", "ARL", BigInteger.valueOf(41))).block(WAIT);
    BigInteger first = reserve("n-legacy", "ARL", 1, NOW.toEpochMilli());
    assertThat(first).isGreaterThan(BigInteger.valueOf(41));
    assertThat(CrlNumbers.epochOf(first)).isEqualTo(1);
    // Even a legacy number inside epoch 1's range (a bigger counter) is exceeded.
    store
        .crls()
        .archive(list("n-legacy", "CRL", RANGE.add(BigInteger.valueOf(Long.MAX_VALUE))))
        .block(WAIT);
    assertThat(reserve("n-legacy", "CRL", 1, 1))
        .isEqualTo(RANGE.add(BigInteger.valueOf(Long.MAX_VALUE)).add(BigInteger.ONE));
  }

  @Test
  void concurrentReservationsNeverShareANumber() {
    ca("n-race");
    long t = NOW.toEpochMilli();
    List<BigInteger> got =
        Flux.range(0, 40)
            .flatMap(i -> numbers.reserve("n-race", "CRL", 1, t), 8)
            .collectList()
            .block(WAIT);
    Set<BigInteger> distinct = new HashSet<>(got);
    assertThat(distinct).hasSize(40);
  }

  @Test
  void everyNumberFitsRfc5280sTwentyOctets() {
    BigInteger largest = CrlNumbers.number(Long.MAX_VALUE, RANGE.subtract(BigInteger.ONE));
    // A positive INTEGER of n bits needs floor(n / 8) + 1 octets; 20 octets hold 159 bits.
    assertThat(largest.toByteArray().length).isLessThanOrEqualTo(20);
    assertThat(largest.bitLength()).isEqualTo(127);
  }

  @Test
  void theArchiveRefusesANumberNotAboveTheLast() {
    ca("n-fence");
    BigInteger n = reserve("n-fence", "CRL", 2, NOW.toEpochMilli());
    store.crls().archive(list("n-fence", "CRL", n)).block(WAIT);
    for (BigInteger stale :
        List.of(
            n, n.subtract(BigInteger.ONE), CrlNumbers.number(1, RANGE.subtract(BigInteger.ONE)))) {
      StepVerifier.create(store.crls().archive(list("n-fence", "CRL", stale)))
          .expectError(StoreException.Conflict.class)
          .verify(WAIT);
    }
  }
}
