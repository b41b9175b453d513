package io.gpki.gateway.validation;

import io.gpki.gateway.repository.Published;
import io.gpki.gateway.repository.RepositorySnapshot;
import io.gpki.gateway.repository.RepositorySnapshots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What validation takes from our own repository, derived once per {@link RepositorySnapshot}: every
 * CA certificate (self-signed, cross, link) as a shared {@link CertPool}, the current CRL and ARL
 * of every CA as a shared {@link CrlSet} (our CAs' status comes from here, never from the network),
 * and the trust anchor candidates. Rebuilt lazily when the snapshot changes; never blocks.
 */
public final class RepositoryView {

  private static final Logger LOG = LoggerFactory.getLogger(RepositoryView.class);
  private static final String CERTS = "/repository/certs/";
  private static final String CA = "/repository/ca/";

  /** The derived content of one snapshot. */
  public record Content(
      long changeLogHead, CertPool pool, CrlSet crls, Map<String, Cert> anchors) {}

  private final RepositorySnapshots snapshots;
  private final AtomicReference<@Nullable Content> current = new AtomicReference<>();

  public RepositoryView(RepositorySnapshots snapshots) {
    this.snapshots = snapshots;
  }

  /** The view of the current snapshot, or {@code null} before the repository has loaded. */
  public @Nullable Content current() {
    RepositorySnapshot s = snapshots.current();
    if (!s.loaded()) {
      return null;
    }
    Content c = current.get();
    if (c != null && c.changeLogHead() == s.changeLogHead()) {
      return c;
    }
    Content built = build(s);
    current.set(built);
    return built;
  }

  static Content build(RepositorySnapshot s) {
    List<Cert> certs = new ArrayList<>();
    List<CrlInfo> crls = new ArrayList<>();
    Map<String, Cert> anchors = new HashMap<>();
    for (Map.Entry<String, Published> e : s.byPath().entrySet()) {
      String path = e.getKey();
      String type = e.getValue().contentType();
      try {
        if ("application/pkix-cert".equals(type) && path.startsWith(CERTS)) {
          Cert c = Cert.parse(e.getValue().body(), Source.REPOSITORY);
          if (c.isCa()) {
            certs.add(c);
          }
        } else if ("application/pkix-cert".equals(type) && path.startsWith(CA)) {
          String id = path.substring(CA.length(), path.length() - ".cer".length());
          anchors.put(id, Cert.parse(e.getValue().body(), Source.TRUST_ANCHOR));
        } else if ("application/pkix-crl".equals(type)
            && path.matches("^/repository/(crl|arl)/[^/]+\\.crl$")) {
          crls.add(CrlInfo.parse(e.getValue().body(), "local:" + path));
        }
      } catch (IllegalArgumentException ex) {
        LOG.warn("skipping unparsable repository object {}: {}", path, ex.getMessage());
      }
    }
    return new Content(s.changeLogHead(), CertPool.of(certs), CrlSet.of(crls), Map.copyOf(anchors));
  }
}
