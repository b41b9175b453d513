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
    // Netty's adaptive allocator (used by every Reactor Netty connection, R2DBC's included) grows
    // its
    // magazine set under contention and retires a magazine under that magazine's own StampedLock,
    // held
    // for a few instructions by another event loop; Netty's BlockHound integration allows the same
    // kind
    // of allocator lock for PoolChunk/PoolSubpage but not this path (Netty 4.2.18), so a busy test
    // JVM
    // saw a spurious "Blocking call! Unsafe#park" on an event loop reading from PostgreSQL.
    builder.allowBlockingCallsInside(
        "io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
  }
}
