package io.gpki.gateway.web;

import io.gpki.gateway.ErrorType;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.net.URISyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Problem answers the {@link FastPath} gives on the event loop, before WebFlux, for requests
 * WebFlux cannot answer with a problem body: a request target that is not a URI (Spring's Reactor
 * adapter answers those with a bare 400) and a held body that stopped arriving (408). Both close
 * the connection, since the rest of the request may still be on its way.
 */
final class EarlyRefusals {

  private EarlyRefusals() {}

  /**
   * Why {@code target} is not a URI WebFlux can take, or {@code null} when it is. A cheap scan
   * first; only a target with a suspicious character is parsed.
   */
  static @Nullable String malformedTarget(String target) {
    if (!suspicious(target)) {
      return null;
    }
    try {
      new URI(target);
      return null;
    } catch (URISyntaxException e) {
      return "malformed request target: "
          + e.getReason()
          + " at index "
          + e.getIndex()
          + (e.getReason().contains("escape")
              ? "; a '%' must be followed by two hex digits (write '%25' for '%')"
              : "");
    }
  }

  private static boolean suspicious(String target) {
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '%') {
        if (i + 2 >= target.length()
            || Character.digit(target.charAt(i + 1), 16) < 0
            || Character.digit(target.charAt(i + 2), 16) < 0) {
          return true;
        }
        i += 2;
      } else if (c <= 0x20 || c >= 0x7f || "\"<>\\^`{|}".indexOf(c) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Writes a 400 problem for a malformed target and closes the connection. */
  static void badTarget(ChannelHandlerContext ctx, String target, String detail) {
    send(ctx, ErrorType.BAD_REQUEST, detail, pathOf(target));
  }

  /** Writes a 408 problem for a body that stopped arriving and closes the connection. */
  static void bodyTimedOut(ChannelHandlerContext ctx, String target) {
    send(
        ctx,
        ErrorType.REQUEST_TIMEOUT,
        "the request body did not arrive within the read timeout; the connection is closed",
        pathOf(target));
  }

  private static void send(
      ChannelHandlerContext ctx, ErrorType type, String detail, String instance) {
    byte[] json = new Problems.Problem(type, type.status(), detail).json(instance);
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(type.status()),
            Unpooled.wrappedBuffer(json));
    response
        .headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
        .set(HttpHeaderNames.CACHE_CONTROL, Problems.NO_STORE)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * The path of a target, for the problem's {@code instance} (the query may be what is malformed).
   */
  private static String pathOf(String target) {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }
}
