package io.gpki.gateway.registration;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * PKCS#12 credential files with a password file next to them, both mode 0600. Blocking file and
 * keystore I/O: call through a bounded scheduler, never on an event loop.
 */
public final class Pkcs12Files {

  private static final String ALIAS = "credential";

  private Pkcs12Files() {}

  /**
   * A key with its certificate chain (leaf first).
   *
   * @param key the private key
   * @param chain leaf first
   */
  public record Credential(PrivateKey key, X509Certificate[] chain) {

    /** The leaf certificate. */
    public X509Certificate certificate() {
      return chain[0];
    }
  }

  /** Writes {@code p12} and its password file {@code p12 + ".pass"} (fresh random password). */
  public static Path write(Path p12, Credential credential) {
    try {
      Files.createDirectories(p12.toAbsolutePath().getParent());
      byte[] secret = new byte[18];
      new SecureRandom().nextBytes(secret);
      char[] password =
          Base64.getUrlEncoder().withoutPadding().encodeToString(secret).toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(ALIAS, credential.key(), password, credential.chain());
      Path passFile = passwordFile(p12);
      writePrivate(passFile, (new String(password) + "\n").getBytes(StandardCharsets.UTF_8));
      Path tmp = p12.resolveSibling(p12.getFileName() + ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        ks.store(out, password);
      }
      restrict(tmp);
      Files.move(tmp, p12, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return passFile;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + p12, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot write " + p12, e);
    }
  }

  /**
   * Reads a credential written by {@link #write} (or any single-key PKCS#12 with a password file).
   */
  public static Credential read(Path p12, Path passwordFile) {
    try {
      char[] password =
          Files.readString(passwordFile, StandardCharsets.UTF_8).strip().toCharArray();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(p12)) {
        ks.load(in, password);
      }
      String alias = ks.aliases().nextElement();
      Certificate[] chain = ks.getCertificateChain(alias);
      X509Certificate[] x509 = new X509Certificate[chain.length];
      for (int i = 0; i < chain.length; i++) {
        x509[i] = (X509Certificate) chain[i];
      }
      return new Credential((PrivateKey) ks.getKey(alias, password), x509);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p12, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read " + p12, e);
    }
  }

  /** The password file of a PKCS#12 file. */
  public static Path passwordFile(Path p12) {
    return p12.resolveSibling(p12.getFileName() + ".pass");
  }

  /** An X.509 certificate from DER. */
  public static X509Certificate x509(byte[] der) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an X.509 certificate", e);
    }
  }

  /** Writes a file readable by its owner only. */
  public static void writePrivate(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, content);
    restrict(tmp);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): the directory's ACL is all there is.
    }
  }
}
