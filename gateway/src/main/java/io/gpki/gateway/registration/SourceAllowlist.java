package io.gpki.gateway.registration;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** CIDR allowlists of client addresses (per LRA). An empty list allows every address. */
final class SourceAllowlist {

  private SourceAllowlist() {}

  static boolean allows(List<String> cidrs, String address) {
    if (cidrs.isEmpty()) {
      return true;
    }
    byte[] addr = literal(address);
    if (addr == null) {
      return false;
    }
    for (String cidr : cidrs) {
      int slash = cidr.indexOf('/');
      byte[] net = literal(slash < 0 ? cidr : cidr.substring(0, slash));
      if (net == null || net.length != addr.length) {
        continue;
      }
      int bits = slash < 0 ? net.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
      if (matches(net, addr, bits)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(byte[] net, byte[] addr, int bits) {
    for (int i = 0; i < net.length && bits > 0; i++, bits -= 8) {
      int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((net[i] & mask) != (addr[i] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** Parses an IP literal without a DNS lookup (only literals reach here). */
  private static byte @Nullable [] literal(String s) {
    if (!s.matches("[0-9a-fA-F:.]+")) {
      return null;
    }
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
