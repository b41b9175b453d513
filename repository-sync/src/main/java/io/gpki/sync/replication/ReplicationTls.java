package io.gpki.sync.replication;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * A center's replication credential (a certificate issued by osca with serverAuth and clientAuth)
 * and the CA certificates a peer's certificate must chain to. Both directions are mutual TLS.
 *
 * @param key the private key of the replication certificate
 * @param chain the certificate first, then its issuers
 * @param trustAnchors the CA certificates peers' certificates chain to
 */
public record ReplicationTls(
    PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trustAnchors) {

  public ReplicationTls {
    if (chain.isEmpty() || trustAnchors.isEmpty()) {
      throw new IllegalArgumentException(
          "replication TLS needs a certificate chain and trust anchors");
    }
    chain = List.copyOf(chain);
    trustAnchors = List.copyOf(trustAnchors);
  }

  /**
   * The master's listener context: TLS 1.3/1.2, client certificate required. Blocking: call off
   * loop.
   */
  SslContext server() throws SSLException {
    return SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
        .trustManager(trust())
        .clientAuth(ClientAuth.REQUIRE)
        .protocols("TLSv1.3", "TLSv1.2")
        .build();
  }

  /** The backup's client context: presents its certificate, trusts only the anchors. */
  SslContext client() throws SSLException {
    return SslContextBuilder.forClient()
        .keyManager(key, chain.toArray(X509Certificate[]::new))
        .trustManager(trust())
        .protocols("TLSv1.3", "TLSv1.2")
        .build();
  }

  private TrustManagerFactory trust() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < trustAnchors.size(); i++) {
        ks.setCertificateEntry("anchor-" + i, trustAnchors.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return tmf;
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the replication trust store", e);
    }
  }
}
