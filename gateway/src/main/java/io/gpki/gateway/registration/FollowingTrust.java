package io.gpki.gateway.registration;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The LRA listener's trust in client certificates: PKIX against the trust CA's self-signed
 * certificates, replaceable while the listener runs. A backup center starts its listener with the
 * anchors replicated so far; when the master's later records bring another key generation of the
 * trust CA (the demo's osca rollover, a key activation), {@link #update} swaps them in, so
 * operators whose certificates the new key issued are accepted without a restart.
 */
final class FollowingTrust extends X509ExtendedTrustManager {

  private volatile X509ExtendedTrustManager delegate;
  private volatile List<X509Certificate> anchors;

  FollowingTrust(List<X509Certificate> anchors) throws GeneralSecurityException {
    this.anchors = List.copyOf(anchors);
    this.delegate = pkix(this.anchors);
  }

  /** Trusts {@code next} from now on (no-op when unchanged or empty); whether it changed. */
  boolean update(List<X509Certificate> next) throws GeneralSecurityException {
    if (next.isEmpty() || next.equals(anchors)) {
      return false;
    }
    X509ExtendedTrustManager m = pkix(next);
    anchors = List.copyOf(next);
    delegate = m;
    return true;
  }

  private static X509ExtendedTrustManager pkix(List<X509Certificate> anchors)
      throws GeneralSecurityException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < anchors.size(); i++) {
        ks.setCertificateEntry("anchor-" + i, anchors.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      for (TrustManager t : tmf.getTrustManagers()) {
        if (t instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new GeneralSecurityException("no X509ExtendedTrustManager");
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }
}
