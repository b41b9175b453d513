package io.gpki.gateway.registration;

import java.util.Arrays;
import java.util.Optional;

/** Key types the gateway generates for an issue request without a CSR. */
public enum ServerKeyAlgorithm {
  RSA_2048("RSA-2048", "RSA", 2048),
  RSA_3072("RSA-3072", "RSA", 3072),
  EC_P256("EC-P256", "EC", 256);

  private final String label;
  private final String jcaName;
  private final int size;

  ServerKeyAlgorithm(String label, String jcaName, int size) {
    this.label = label;
    this.jcaName = jcaName;
    this.size = size;
  }

  /** The name used in requests and the store, e.g. {@code RSA-2048}. */
  public String label() {
    return label;
  }

  /** The JCA key pair generator algorithm. */
  String jcaName() {
    return jcaName;
  }

  /** Key size in bits (the curve size for EC). */
  int size() {
    return size;
  }

  /** The algorithm with this label, if any. */
  public static Optional<ServerKeyAlgorithm> byLabel(String label) {
    return Arrays.stream(values()).filter(a -> a.label.equals(label)).findFirst();
  }
}
