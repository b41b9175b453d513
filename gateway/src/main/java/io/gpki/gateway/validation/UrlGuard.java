package io.gpki.gateway.validation;

import io.gpki.gateway.net.Addresses;
import io.gpki.gateway.net.TargetResolver;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * SSRF protection for URLs taken from certificates (AIA, CDP, OCSP): only http, https and ldap, and
 * unless configured otherwise no loopback, private, link-local, CGNAT, multicast, broadcast or
 * unspecified targets. Checked on the URL (literal addresses, {@code localhost}) and then on every
 * address the host name resolves to, before any connection: {@link #check} is the one resolution a
 * fetch makes, and the fetcher connects only to the addresses it returned (no second lookup that
 * DNS rebinding could answer differently). A refusal is the same whatever listens at the target, so
 * it cannot serve as a port scanner.
 */
final class UrlGuard {

  /** Why a refused target was refused; the same text for every port and address behind a name. */
  static final String NON_PUBLIC = "non-public address";

  /** A target refused before any connection was attempted. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
      super(reason, null, false, false);
    }
  }

  private static final Set<String> SCHEMES = Set.of("http", "https", "ldap");

  private final boolean allowPrivate;
  private final Set<InetAddress> allowedAddresses;

  UrlGuard(boolean allowPrivate) {
    this(allowPrivate, Set.of());
  }

  /**
   * @param allowPrivate allow every target (tests, closed networks)
   * @param allowedAddresses non-public addresses allowed all the same (an external CA's repository
   *     on a closed network), exactly these and nothing else
   */
  UrlGuard(boolean allowPrivate, Collection<InetAddress> allowedAddresses) {
    this.allowPrivate = allowPrivate;
    this.allowedAddresses = Set.copyOf(allowedAddresses);
  }

  /** Parses configured IP literals (never resolves names); a bad entry stops startup. */
  static Set<InetAddress> addresses(Collection<String> literals) {
    java.util.Set<InetAddress> out = new java.util.LinkedHashSet<>();
    for (String l : literals) {
      String v = l.trim().replace("[", "").replace("]", "");
      if (!isLiteral(v)) {
        throw new IllegalArgumentException("not an IP address: " + l);
      }
      try {
        out.add(InetAddress.getByName(v));
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address: " + l, e);
      }
    }
    return out;
  }

  /** Why {@code url} may not be fetched, or {@code null} when it may. */
  @Nullable String refuse(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return "malformed URL";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      return "scheme " + scheme + " not allowed";
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return "no host";
    }
    if (uri.getUserInfo() != null) {
      return "user info not allowed";
    }
    if (allowPrivate) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("localhost")
        || h.endsWith(".localhost")
        || h.endsWith(".local")
        || h.endsWith(".internal")) {
      return "internal host name";
    }
    if (isLiteral(h)) {
      try {
        InetAddress a = InetAddress.getByName(h.replace("[", "").replace("]", ""));
        return allowed(a) ? null : NON_PUBLIC;
      } catch (java.net.UnknownHostException e) {
        return "malformed address";
      }
    }
    return null;
  }

  /**
   * Every address of {@code host} (an IP literal is parsed, never looked up), each one checked: a
   * {@link Refused} error when any of them is not allowed (a name with one inward address among
   * public ones is refused whole), a {@link Fetcher.FetchException} when the name does not resolve.
   */
  Mono<List<InetAddress>> check(String host, TargetResolver resolver) {
    String bare =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return TargetResolver.addresses(bare, resolver)
        .onErrorMap(
            UnknownHostException.class, e -> new Fetcher.FetchException("cannot resolve " + bare))
        .filter(list -> !list.isEmpty())
        .switchIfEmpty(Mono.error(() -> new Fetcher.FetchException("cannot resolve " + bare)))
        .handle(
            (list, sink) -> {
              if (list.stream().allMatch(this::allowed)) {
                sink.next(List.copyOf(list));
              } else {
                sink.error(new Refused(NON_PUBLIC));
              }
            });
  }

  /** Whether a connection to {@code address} is allowed. */
  boolean allowed(InetAddress address) {
    if (allowPrivate || allowedAddresses.contains(address)) {
      return true;
    }
    if (address.isLoopbackAddress()
        || address.isAnyLocalAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return false;
    }
    InetAddress embedded = Addresses.embeddedIpv4(address);
    if (embedded != null) {
      // ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d (NAT64) and 2002:AABB:CCDD:: (6to4) reach an
      // IPv4
      // address: judged by that address (loopback behind ::ffff:127.0.0.1 is still loopback).
      return allowed(embedded);
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet6Address) {
      return (b[0] & 0xfe) != 0xfc // fc00::/7 unique local
          && !(b[0] == 0x01 && b[1] == 0x00 && Addresses.isZero(b, 2, 8)) // 100::/64 discard
          && !((b[0] & 0xff) == 0x20
              && (b[1] & 0xff) == 0x01
              && (b[2] & 0xff) == 0x0d
              && (b[3] & 0xff) == 0xb8); // 2001:db8::/32
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    // 0/8 this network, 100.64/10 CGNAT, 192.0.0/16 (IETF protocol assignments, TEST-NET-1),
    // 198.18/15
    // benchmarking, 240/4 reserved and 255.255.255.255 broadcast.
    return !(first == 0
        || (first == 100 && second >= 64 && second < 128)
        || (first == 192 && second == 0)
        || (first == 198 && (second == 18 || second == 19))
        || first >= 240);
  }

  private static boolean isLiteral(String host) {
    return host.startsWith("[") || host.matches("^[0-9.]+$") || host.contains(":");
  }
}
