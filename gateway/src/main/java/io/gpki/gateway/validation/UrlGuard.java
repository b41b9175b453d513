package io.gpki.gateway.validation;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
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

  UrlGuard(boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
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
    if (allowPrivate) {
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
