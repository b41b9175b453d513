package io.gpki.gateway.testing;

import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.CrlPublisher;
import io.gpki.gateway.ca.RepositoryChanges;
import io.gpki.gateway.ca.RepositoryUrls;
import io.gpki.signer.CaSigner;
import io.gpki.sync.RepositoryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The CA tier over one store, wired as the application's configuration does (every port from the
 * same {@link RepositoryStore}, every CA's keys in key source {@code soft}): for integration tests
 * that drive the CA engine and the CRL publisher without a Spring context.
 */
public final class CaTier {

  private CaTier() {}

  /** A CA engine over {@code store}, signing with {@code signer}. */
  public static CaEngine engine(
      CaSigner signer,
      RepositoryStore store,
      RepositoryUrls urls,
      Clock clock,
      RepositoryChanges changes) {
    return new CaEngine(
        signer,
        store.cas(),
        store.cas(),
        store.certificates(),
        store.certificates(),
        store.certificates(),
        store.content(),
        urls,
        ca -> "soft",
        clock,
        changes);
  }

  /** A CRL/ARL publisher (period 1 h, validity 2 h) numbering its lists in {@code epoch}. */
  public static CrlPublisher publisher(
      CaEngine engine,
      CaSigner signer,
      RepositoryStore store,
      RepositoryUrls urls,
      Clock clock,
      RepositoryChanges changes,
      LongSupplier epoch) {
    return new CrlPublisher(
        engine,
        signer,
        store.cas(),
        store.certificates(),
        store.crls(),
        store.crls(),
        store.crlNumbers(),
        urls,
        clock,
        changes,
        Duration.ofHours(1),
        Duration.ofHours(2),
        epoch);
  }
}
