package io.gpki.gateway.net;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A Reactor Netty resolver ({@code HttpClient.resolver(..)}) that makes each connection's one
 * lookup through a caller's resolve-and-check: the caller resolves the host, checks every address
 * and either fails (nothing is connected) or returns the addresses Netty may connect to, and Netty
 * connects to exactly those, so no second lookup takes place that DNS rebinding could answer
 * differently. The Host header and TLS SNI keep the URL's host name. Addresses given already
 * resolved (IP literals) are checked too.
 */
public final class CheckedResolverGroup extends AddressResolverGroup<InetSocketAddress> {

  private final Function<String, Mono<List<InetAddress>>> check;

  /**
   * @param check resolves and checks a host (a name, or an IP literal for an already resolved
   *     address) and gives the allowed addresses, or fails; it must end (carry its own timeout)
   */
  public CheckedResolverGroup(Function<String, Mono<List<InetAddress>>> check) {
    this.check = check;
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
    return new AbstractAddressResolver<>(executor, InetSocketAddress.class) {
      @Override
      protected boolean doIsResolved(InetSocketAddress address) {
        return false; // even a literal goes through the check
      }

      @Override
      protected void doResolve(InetSocketAddress address, Promise<InetSocketAddress> promise) {
        // Netty's resolver API is promise-based: this is the boundary where the Mono is run. The
        // lookup carries its own timeout, so the subscription always ends.
        lookup(address)
            .subscribe(
                list -> promise.trySuccess(list.get(0)),
                promise::tryFailure,
                () -> noAddress(address, promise));
      }

      @Override
      protected void doResolveAll(
          InetSocketAddress address, Promise<List<InetSocketAddress>> promise) {
        lookup(address)
            .subscribe(promise::trySuccess, promise::tryFailure, () -> noAddress(address, promise));
      }
    };
  }

  /** A check that ended without addresses (after a success this does nothing). */
  private static void noAddress(InetSocketAddress address, Promise<?> promise) {
    promise.tryFailure(new UnknownHostException(address.getHostString()));
  }

  private Mono<List<InetSocketAddress>> lookup(InetSocketAddress address) {
    String host =
        address.isUnresolved() || address.getAddress() == null
            ? address.getHostString()
            : address.getAddress().getHostAddress();
    return check
        .apply(host)
        .filter(list -> !list.isEmpty())
        .map(list -> list.stream().map(a -> new InetSocketAddress(a, address.getPort())).toList());
  }
}
