package io.gpki.gateway.repository;

import io.gpki.sync.CertificateLookupKey;
import io.gpki.sync.CertificateLookupKeys;
import io.gpki.sync.CertificateRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's RFC 4387 key function: exactly the keys the snapshot's {@link LookupIndex} holds for
 * a certificate ({@link LookupIndexBuilder#certificateKeys}), so a query parsed by {@link
 * Rfc4387Handler} finds the same certificate in the snapshot and in the store. Bump {@link
 * #VERSION} when the keys change: the startup backfill then re-derives every row.
 */
public final class CertificateSearchKeys implements CertificateLookupKeys {

  /** The derivation version stored with each indexed certificate. */
  public static final int VERSION = 1;

  @Override
  public int version() {
    return VERSION;
  }

  @Override
  public List<CertificateLookupKey> keys(CertificateRecord certificate) {
    List<String> keys = LookupIndexBuilder.certificateKeys(certificate);
    List<CertificateLookupKey> out = new ArrayList<>(keys.size());
    for (String k : keys) {
      int sep = k.indexOf('\u0000');
      out.add(new CertificateLookupKey(k.substring(0, sep), k.substring(sep + 1)));
    }
    return out;
  }
}
