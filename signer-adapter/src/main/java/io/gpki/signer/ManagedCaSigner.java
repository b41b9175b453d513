package io.gpki.signer;

/**
 * A {@link CaSigner} that owns its key sources and schedulers; {@link #close()} releases them (logs
 * out of HSMs, stops the signer threads). Created by {@link CaSigners#create}.
 */
public interface ManagedCaSigner extends CaSigner, AutoCloseable {

  @Override
  void close();
}
