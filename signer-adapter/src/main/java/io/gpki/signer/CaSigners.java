package io.gpki.signer;

import io.gpki.signer.keystore.Pkcs12KeySource;
import io.gpki.signer.pkcs11.Pkcs11KeySource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Builds the {@link CaSigner} from the configured key sources. */
public final class CaSigners {

  private CaSigners() {}

  /**
   * Creates every key source, gives each its own scheduler, bulkhead, circuit breaker and timeout,
   * and indexes the key ids they hold. Blocks while it reads the key ids, so call it at startup,
   * off the event loop.
   *
   * @param specs the key sources; names must be unique
   * @return the signer; close it on shutdown
   * @throws IllegalArgumentException when two sources share a name or a key id
   * @throws IllegalStateException when a source's key ids cannot be read (e.g. the HSM is down)
   */
  public static ManagedCaSigner create(List<KeySourceSpec> specs) {
    return create(specs, SigningFence.NONE);
  }

  /**
   * As {@link #create(List)}, with a guard consulted before every signature and key generation.
   *
   * @param fence refuses signing unless this node is the master at the current epoch
   */
  public static ManagedCaSigner create(List<KeySourceSpec> specs, SigningFence fence) {
    Set<String> names = new HashSet<>();
    for (KeySourceSpec spec : specs) {
      if (!names.add(spec.name())) {
        throw new IllegalArgumentException("two key sources are named '" + spec.name() + "'");
      }
    }
    List<ResilientCaSigner.Binding> bindings = new ArrayList<>();
    try {
      for (KeySourceSpec spec : specs) {
        bindings.add(new ResilientCaSigner.Binding(open(spec), spec.resilience()));
      }
      return ResilientCaSigner.start(bindings, fence);
    } catch (RuntimeException e) {
      // start() closes what it was given; this covers a failure while opening the sources.
      bindings.forEach(b -> b.source().close());
      throw e;
    }
  }

  private static KeySource open(KeySourceSpec spec) {
    if (spec instanceof KeySourceSpec.Pkcs12 p12) {
      return new Pkcs12KeySource(p12);
    }
    return new Pkcs11KeySource((KeySourceSpec.Pkcs11) spec);
  }
}
