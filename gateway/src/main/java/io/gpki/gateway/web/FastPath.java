package io.gpki.gateway.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * A Netty handler placed right after the HTTP codec, ahead of Reactor Netty's request handling and
 * the whole WebFlux stack, that answers GET and HEAD requests for pre-encoded objects (repository
 * files, RFC 4387 and LDAP-over-HTTP single hits) directly on the event loop: one map lookup, the
 * object's shared direct buffer (no copy), and headers built once per object and second. Everything it
 * does not answer (other methods, conditional or ranged requests, bodies, misses, errors, redirects)
 * goes on to WebFlux unchanged, which gives the same answer more slowly.
 *
 * <p>Ordering: HTTP/1.1 answers leave in request order. The handler answers a request only when no
 * earlier request on the connection is still with WebFlux (it counts requests passed on and complete
 * responses written back through it), so a pipelined fast hit never overtakes a slow answer. It also
 * stops answering while the connection is not writable (a client that does not read), leaving those
 * requests to WebFlux's own backpressure. One instance per connection; all state is event-loop
 * confined.
 */
public final class FastPath extends ChannelDuplexHandler {

  /** The pipeline name of the handler. */
  public static final String NAME = "gpki.fastPath";

  /** One source of pre-encoded answers. Implementations are called on the event loop: never block. */
  public interface Route {

    /**
     * The answer for a bodyless, unconditional GET or HEAD, or {@code null} to let WebFlux answer.
     *
     * @param uri the raw request target (path and query, still percent-encoded)
     * @param arrivalNanos {@link System#nanoTime()} when the request arrived, for response-time figures
     */
    @Nullable Answer answer(String uri, long arrivalNanos);
  }

  /**
   * A pre-encoded answer.
   *
   * @param status the status
   * @param headers the complete response headers (including Content-Type and Content-Length); shared
   *     between responses, so never modified after construction
   * @param body the body; the handler writes a duplicate, so a shared (unreleasable) buffer is fine
   * @param onWritten called with the time from arrival to the last byte handed to the socket (or
   *     {@code -1} when the write failed), on the event loop
   */
  public record Answer(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, Completion onWritten) {}

  /** Called when an answer has been written. */
  @FunctionalInterface
  public interface Completion {
    /** @param nanos from arrival to the last byte written, or -1 when the write failed */
    void written(long nanos);
  }

  /** Wraps {@code bytes} in a direct buffer that a fast path can share between connections. */
  public static ByteBuf shared(byte[] bytes) {
    // A JDK direct buffer: freed by the garbage collector with its last reference, never by release().
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(bytes.length);
    direct.put(bytes).flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
  }

  /** Adds a fast path with {@code routes} to a Reactor Netty HTTP/1.1 server pipeline. */
  public static void install(ChannelPipeline pipeline, List<Route> routes) {
    if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(NAME) == null) {
      pipeline.addAfter(NettyPipeline.HttpCodec, NAME, new FastPath(routes));
    }
  }

  private final List<Route> routes;
  /** Requests passed on to WebFlux whose responses have not been completely written yet. */
  private int pendingSlow;
  /** Drop the body parts (at least the empty last one) of a request this handler answered. */
  private boolean swallowing;
  private boolean flushNeeded;
  /** Something this handler consumed in the current read batch (nobody downstream will ask for more). */
  private boolean consumed;

  FastPath(List<Route> routes) {
    this.routes = routes;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      long arrival = System.nanoTime();
      Answer answer = eligible(ctx, request) ? answer(request.uri(), arrival) : null;
      if (answer == null) {
        pendingSlow++;
        ctx.fireChannelRead(msg);
        return;
      }
      swallowing = !(msg instanceof LastHttpContent);
      consumed = true;
      ReferenceCountUtil.release(msg);
      write(ctx, request, answer, arrival);
      return;
    }
    if (swallowing && msg instanceof HttpContent content) {
      swallowing = !(content instanceof LastHttpContent);
      consumed = true;
      content.release();
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (flushNeeded) {
      flushNeeded = false;
      ctx.flush();
    }
    if (consumed) {
      consumed = false;
      // Reactor Netty reads on demand (auto-read off) and asks for more only after requests it saw;
      // with none of ours in its hands, ask here or the connection stops reading.
      if (pendingSlow == 0 && !ctx.channel().config().isAutoRead()) {
        ctx.read();
      }
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    // A complete response of a request WebFlux had (1xx interim responses are not the end of one).
    if (msg instanceof LastHttpContent
        && !(msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)
        && pendingSlow > 0) {
      pendingSlow--;
    }
    ctx.write(msg, promise);
  }

  private boolean eligible(ChannelHandlerContext ctx, HttpRequest request) {
    if (pendingSlow > 0 || swallowing || !ctx.channel().isWritable() || !request.decoderResult().isSuccess()) {
      return false;
    }
    HttpMethod method = request.method();
    if ((method != HttpMethod.GET && method != HttpMethod.HEAD) || request.protocolVersion() != HttpVersion.HTTP_1_1) {
      return false;
    }
    HttpHeaders h = request.headers();
    return !h.contains(HttpHeaderNames.IF_NONE_MATCH)
        && !h.contains(HttpHeaderNames.IF_MODIFIED_SINCE)
        && !h.contains(HttpHeaderNames.RANGE)
        && !h.contains(HttpHeaderNames.EXPECT)
        && !h.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && !h.contains(HttpHeaderNames.UPGRADE)
        && !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)
        && h.getInt(HttpHeaderNames.CONTENT_LENGTH, 0) == 0;
  }

  private @Nullable Answer answer(String uri, long arrival) {
    for (Route route : routes) {
      Answer a = route.answer(uri, arrival);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  private void write(ChannelHandlerContext ctx, HttpRequest request, Answer answer, long arrival) {
    // HEAD: the codec drops the body of a HEAD answer itself; send none, keep Content-Length.
    ByteBuf body = request.method() == HttpMethod.HEAD ? Unpooled.EMPTY_BUFFER : answer.body().duplicate();
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, answer.status(), body, answer.headers(), EmptyHttpHeaders.INSTANCE);
    Completion done = answer.onWritten();
    ctx.write(response)
        .addListener(
            (ChannelFutureListener) f -> done.written(f.isSuccess() ? System.nanoTime() - arrival : -1));
    flushNeeded = true;
  }
}
