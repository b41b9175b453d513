package io.gpki.gateway.validation;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * SSRF protection for URLs taken from certificates (AIA, CDP): only http, https and ldap, and unless
 * configured otherwise no loopback, private, link-local, multicast or unspecified targets. Checked
 * twice: on the URL (literal addresses, {@code localhost}) before connecting, and on the address
 * actually connected to (names that resolve to internal addresses).
 */
final class UrlGuard {

  private static final Set<String> SCHEMES = Set.of("http", "https", "ldap");

  private final boolean allowPrivate;
  private final Set<InetAddress> allowedAddresses;

  UrlGuard(boolean allowPrivate) {
    this(allowPrivate, Set.of());
  }

  /**
   * @param allowPrivate allow every target (tests, closed networks)
   * @param allowedAddresses non-public addresses allowed all the same (an external CA's repository on a
   *     closed network), exactly these and nothing else
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
    if (h.equals("localhost") || h.endsWith(".localhost") || h.endsWith(".local") || h.endsWith(".internal")) {
      return "internal host name";
    }
    if (isLiteral(h)) {
      try {
        InetAddress a = InetAddress.getByName(h.replace("[", "").replace("]", ""));
        return allowed(a) ? null : "non-public address";
      } catch (java.net.UnknownHostException e) {
        return "malformed address";
      }
    }
    return null;
  }

  /** Whether a connection to {@code address} is allowed. */
  boolean allowed(InetAddress address) {
    if (allowPrivate || allowedAddresses.contains(address)) {
      return true;
    }
    if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet6Address) {
      return (b[0] & 0xfe) != 0xfc; // fc00::/7 unique local
    }
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    return !(first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 192 && second == 0)
        || (first == 198 && (second == 18 || second == 19)) || first >= 240);
  }

  private static boolean isLiteral(String host) {
    return host.startsWith("[") || host.matches("^[0-9.]+$") || host.contains(":");
  }
}
