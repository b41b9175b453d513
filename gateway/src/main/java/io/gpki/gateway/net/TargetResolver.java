package io.gpki.gateway.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Resolves a host name named by others (a URL in a certificate, a webhook URL) to every address it
 * has. Callers check all of them and connect only to what passed ({@link CheckedResolverGroup}), so
 * this is the only lookup a connection makes. Tests inject their own (names mapped to addresses,
 * answers that change between calls) instead of real DNS.
 */
@FunctionalInterface
public interface TargetResolver {

  /** Every address of the host name {@code host} (callers parse IP literals themselves). */
  Mono<List<InetAddress>> resolve(String host);

  /**
   * Every address of {@code host}: an IP literal (with or without brackets) is parsed, never looked
   * up; a name goes to {@code resolver}.
   */
  static Mono<List<InetAddress>> addresses(String host, TargetResolver resolver) {
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress literal = NetUtil.createInetAddressFromIpAddressString(bare);
    return literal != null ? Mono.just(List.of(literal)) : resolver.resolve(bare);
  }

  /**
   * The JDK resolver (hosts file, system DNS) on {@code scheduler}, because {@link
   * InetAddress#getAllByName} blocks and must never run on an event loop.
   */
  static TargetResolver system(Scheduler scheduler) {
    return host ->
        Mono.fromCallable(() -> List.of(InetAddress.getAllByName(host))).subscribeOn(scheduler);
  }
}
