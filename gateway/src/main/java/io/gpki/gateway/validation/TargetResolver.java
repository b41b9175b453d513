package io.gpki.gateway.validation;

import java.net.InetAddress;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Resolves the host name of a URL taken from a certificate to every address it has. {@link UrlGuard#check}
 * calls it once per connection and the fetcher connects only to what that check passed, so this is
 * the only lookup a fetch makes. Tests inject their own (names mapped to addresses, answers that change
 * between calls) instead of real DNS.
 */
@FunctionalInterface
interface TargetResolver {

  /** Every address of the host name {@code host} (never an IP literal: the guard parses those). */
  Mono<List<InetAddress>> resolve(String host);

  /**
   * The JDK resolver (hosts file, system DNS) on {@code scheduler}, because {@link
   * InetAddress#getAllByName} blocks and must never run on an event loop.
   */
  static TargetResolver system(Scheduler scheduler) {
    return host -> Mono.fromCallable(() -> List.of(InetAddress.getAllByName(host))).subscribeOn(scheduler);
  }
}
