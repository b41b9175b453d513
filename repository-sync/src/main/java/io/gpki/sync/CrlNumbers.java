package io.gpki.sync;

import java.math.BigInteger;
import reactor.core.publisher.Mono;

/**
 * Epoch-major CRL numbers: {@code number = epoch * 2^64 + t}, with {@code t} persisted per CA and
 * scope in {@code crl_number_state} and strictly increasing ({@code max(now in ms, last t + 1)}). A
 * number is reserved (committed) before the list is signed, so a crash after the reservation leaves
 * a gap in the numbers, never a reuse. See docs/replication.md, "CRL numbering".
 */
public interface CrlNumbers {

  /** 2^64: the width of one epoch's number range. */
  BigInteger EPOCH_RANGE = BigInteger.ONE.shiftLeft(64);

  /**
   * Reserves the next number of a CA's list.
   *
   * @param caId the issuing CA
   * @param scope {@code CRL} or {@code ARL} (a delta shares its base's sequence)
   * @param epoch the writer's epoch
   * @param nowMillis the writer's clock in ms since 1970; only a lower bound for {@code t}
   * @return the reserved number, above every number reserved or archived before for the CA and
   *     scope; errors with {@link StoreException.StaleEpoch} when the state already belongs to a
   *     higher epoch (a stale writer) or the epoch's range is exhausted
   */
  Mono<BigInteger> reserve(String caId, String scope, long epoch, long nowMillis);

  /** The number of epoch {@code epoch} and sequence value {@code t}. */
  static BigInteger number(long epoch, BigInteger t) {
    return BigInteger.valueOf(epoch).multiply(EPOCH_RANGE).add(t);
  }

  /** The epoch a number belongs to (numbers issued before epoch-major numbering: 0). */
  static long epochOf(BigInteger number) {
    return number.shiftRight(64).longValueExact();
  }
}
