package io.gpki.sync;

import java.time.Instant;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Reads the current status of every stored certificate together with the change-log position it
 * reflects, in one consistent snapshot: a reader that loads this and then follows the change log
 * from that position misses no change and sees none twice out of order. For indexes that would
 * otherwise replay the whole log at start (the OCSP responder).
 */
public interface CertificateStatusReader {

  /**
   * Streams the snapshot: first one {@link Position}, then one {@link Status} per certificate, in
   * no particular order. Rows are fetched in batches as the subscriber requests them (nothing is
   * collected here), inside one read-only REPEATABLE READ transaction that stays open until the
   * stream ends.
   *
   * @param derOfProfiles profiles whose certificates come with their DER (for example the responder
   *     certificates); every other status carries none, to keep the stream small
   */
  Flux<Item> snapshot(Set<String> derOfProfiles);

  /** One element of a snapshot. */
  sealed interface Item permits Position, Status {}

  /**
   * The change-log position the snapshot reflects: every entry up to and including {@code seq} is
   * in it, none after.
   *
   * @param seq the change-log head, 0 when the log is empty
   */
  record Position(long seq) implements Item {}

  /**
   * One certificate's status.
   *
   * @param issuerCaId the issuing CA
   * @param issuerGeneration the issuing key generation
   * @param serialHex serial number in lower-case hex without leading zeros
   * @param profile the signer profile name
   * @param notAfter end of validity
   * @param revocation the revocation, or {@code null}
   * @param der the certificate, only for the profiles asked for
   */
  record Status(
      String issuerCaId,
      int issuerGeneration,
      String serialHex,
      String profile,
      Instant notAfter,
      @Nullable Revocation revocation,
      byte @Nullable [] der)
      implements Item {}
}
