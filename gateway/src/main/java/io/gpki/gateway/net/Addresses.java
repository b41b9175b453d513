package io.gpki.gateway.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** Address facts the outbound policies share. */
public final class Addresses {

  private Addresses() {}

  /**
   * The IPv4 address an IPv6 address stands for, or {@code null}: IPv4-mapped {@code
   * ::ffff:a.b.c.d}, IPv4-compatible {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::a.b.c.d} and 6to4
   * {@code 2002:AABB:CCDD::}. A policy judges such an address by the IPv4 address it reaches
   * ({@code ::ffff:127.0.0.1} is loopback).
   */
  public static @Nullable InetAddress embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return null;
    }
    byte[] b = address.getAddress();
    boolean mapped = isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = isZero(b, 0, 12) && !isZero(b, 12, 16) && !address.isLoopbackAddress();
    boolean nat64 =
        b[0] == 0x00
            && b[1] == 0x64
            && (b[2] & 0xff) == 0xff
            && (b[3] & 0xff) == 0x9b
            && isZero(b, 4, 12);
    byte[] v4;
    if (mapped || compatible || nat64) {
      v4 = Arrays.copyOfRange(b, 12, 16);
    } else if (b[0] == 0x20 && b[1] == 0x02) {
      v4 = Arrays.copyOfRange(b, 2, 6);
    } else {
      return null;
    }
    try {
      return InetAddress.getByAddress(v4); // four bytes: no lookup
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** Whether bytes {@code from} (inclusive) to {@code to} (exclusive) of {@code b} are all zero. */
  public static boolean isZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
