package io.gpki.sync.testing;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/** BlockHound allowlist for the store's dependencies; every entry says why it is safe. */
public final class StoreBlockHoundAllowlist implements BlockHoundIntegration {

  @Override
  public void applyTo(BlockHound.Builder builder) {
    // SCRAM authentication draws a nonce from SecureRandom; on Linux NativePRNG reads /dev/urandom,
    // which never blocks once the kernel pool is initialised (always the case after boot).
    builder.allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes");
  }
}
