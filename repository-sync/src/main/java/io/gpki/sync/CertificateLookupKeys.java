package io.gpki.sync;

import java.util.List;

/**
 * Derives the RFC 4387 lookup keys of a certificate. The gateway supplies it (it owns the query
 * syntax and name normalisation, so stored keys and parsed queries agree); the store calls it in
 * the transaction that inserts a certificate and when it backfills older rows. Pure CPU work, no
 * I/O.
 */
public interface CertificateLookupKeys {

  /**
   * Stores nothing: certificates stay unindexed (lookup version NULL) until a backfill with a real
   * function.
   */
  CertificateLookupKeys NONE =
      new CertificateLookupKeys() {
        @Override
        public int version() {
          return 0;
        }

        @Override
        public List<CertificateLookupKey> keys(CertificateRecord certificate) {
          return List.of();
        }
      };

  /**
   * The version of the derivation, stored with each indexed row; rows with an older version are
   * re-derived by the backfill. 0 means "no function" and indexes nothing.
   */
  int version();

  /** The certificate's keys, without duplicates. */
  List<CertificateLookupKey> keys(CertificateRecord certificate);
}
