package io.gpki.gateway.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
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
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A Netty handler placed right after the HTTP codec, ahead of Reactor Netty's request handling and
 * the whole WebFlux stack, that answers requests for pre-encoded objects (GET and HEAD of
 * repository files, RFC 4387 and LDAP-over-HTTP single hits; small POSTs a route asks for, such as
 * pre-signed OCSP answers) directly on the event loop: one map lookup, the object's shared direct
 * buffer (no copy), and headers built once per object and second. Everything it does not answer
 * (other methods, conditional or ranged requests, large bodies, misses, errors, redirects) goes on
 * to WebFlux unchanged, which gives the same answer more slowly. A POST body is held (at most
 * {@value #MAX_BODY} bytes) until complete, then answered or handed on with its request.
 *
 * <p>Ordering: HTTP/1.1 answers leave in request order. The handler answers a request only when no
 * earlier request on the connection is still with WebFlux (it counts requests passed on and
 * complete responses written back through it), so a pipelined fast hit never overtakes a slow
 * answer. It also stops answering while the connection is not writable (a client that does not
 * read), leaving those requests to WebFlux's own backpressure. One instance per connection; all
 * state is event-loop confined.
 */
public final class FastPath extends ChannelDuplexHandler {

  /** The pipeline name of the handler. */
  public static final String NAME = "gpki.fastPath";

  /**
   * One source of pre-encoded answers. Implementations are called on the event loop: never block.
   */
  public interface Route {

    /**
     * Whether this route may answer a POST to {@code uri}; only then does the fast path hold the
     * (small) body to offer it. Default: no.
     */
    default boolean acceptsBody(String uri) {
      return false;
    }

    /**
     * Like {@link #acceptsBody(String)}, with the request headers (e.g. to take only one content
     * type). Default: {@link #acceptsBody(String)}.
     */
    default boolean acceptsBody(String uri, HttpHeaders headers) {
      return acceptsBody(uri);
    }

    /**
     * The answer for an unconditional request, or {@code null} to let WebFlux answer.
     *
     * @param method GET or HEAD, or POST when {@link #acceptsBody} said so
     * @param uri the raw request target (path and query, still percent-encoded)
     * @param body the request body (empty for GET and HEAD); only valid during the call
     * @param arrivalNanos {@link System#nanoTime()} when the request arrived, for response-time
     *     figures
     */
    @Nullable Answer answer(HttpMethod method, String uri, ByteBuf body, long arrivalNanos);

    /**
     * For a POST this route accepted and did not {@link #answer} at once: an answer worked out off
     * the event loop (CPU-heavy work on a bounded pool), or {@code null} for none. The Mono emits
     * the answer, or completes empty (or fails) to hand the request on to WebFlux unchanged. It may
     * complete on any thread; the handler writes on the connection's event loop and holds later
     * requests of the connection until then, so answers stay in request order. {@code body} is only
     * valid during the call: copy what the work needs.
     */
    default @Nullable Mono<Answer> answerLater(
        HttpMethod method, String uri, ByteBuf body, long arrivalNanos) {
      return null;
    }
  }

  /**
   * A pre-encoded answer.
   *
   * @param status the status
   * @param headers the complete response headers (including Content-Type and Content-Length);
   *     shared between responses, so never modified after construction
   * @param body the body; the handler writes a duplicate, so a shared (unreleasable) buffer is fine
   * @param onWritten called with the time from arrival to the last byte handed to the socket (or
   *     {@code -1} when the write failed), on the event loop
   * @param file where available, the same body as a {@link SharedFile} to send with sendfile (large
   *     bodies); {@code null}, or a supplier returning {@code null}, means the buffer is sent
   */
  public record Answer(
      HttpResponseStatus status,
      HttpHeaders headers,
      ByteBuf body,
      Completion onWritten,
      @Nullable Supplier<@Nullable SharedFile> file) {

    /** An answer sent from its buffer. */
    public Answer(
        HttpResponseStatus status, HttpHeaders headers, ByteBuf body, Completion onWritten) {
      this(status, headers, body, onWritten, null);
    }
  }

  /** Called when an answer has been written. */
  @FunctionalInterface
  public interface Completion {
    /**
     * Records a written answer.
     *
     * @param nanos from arrival to the last byte written, or -1 when the write failed
     */
    void written(long nanos);
  }

  /** Wraps {@code bytes} in a direct buffer that a fast path can share between connections. */
  public static ByteBuf shared(byte[] bytes) {
    // A JDK direct buffer: freed by the garbage collector with its last reference, never by
    // release().
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(bytes.length);
    direct.put(bytes).flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(direct));
  }

  /** Adds a fast path with {@code routes} to a Reactor Netty HTTP/1.1 server pipeline. */
  public static void install(ChannelPipeline pipeline, List<Route> routes) {
    install(pipeline, routes, DEFAULT_HOLD_TIMEOUT);
  }

  /**
   * Adds a fast path with {@code routes} to a Reactor Netty HTTP/1.1 server pipeline.
   *
   * @param holdTimeout the time a held POST body (at most {@value #MAX_BODY} bytes) has to complete
   *     after its first incomplete read (the server's read timeout); one that does not gets a 408
   *     problem and the connection is closed
   */
  public static void install(ChannelPipeline pipeline, List<Route> routes, Duration holdTimeout) {
    if (pipeline.get(NettyPipeline.HttpCodec) != null && pipeline.get(NAME) == null) {
      pipeline.addAfter(NettyPipeline.HttpCodec, NAME, new FastPath(routes, holdTimeout));
    }
  }

  /** The hold timeout when none is given: the repository's default read timeout. */
  static final Duration DEFAULT_HOLD_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Largest POST body the fast path holds to offer a route (OCSP requests are a few hundred bytes).
   */
  static final int MAX_BODY = 4096;

  private final List<Route> routes;

  /** Requests passed on to WebFlux whose responses have not been completely written yet. */
  private int pendingSlow;

  /** Drop the body parts (at least the empty last one) of a request this handler answered. */
  private boolean swallowing;

  private boolean flushNeeded;

  /**
   * Something this handler consumed in the current read batch (nobody downstream will ask for
   * more).
   */
  private boolean consumed;

  /** A POST being held until its body is complete: the request first, then its content parts. */
  private final List<Object> held = new ArrayList<>();

  private int heldBytes;
  private long heldArrival;
  private final long holdTimeoutNanos;

  /** Fires when a held body has not completed within the hold timeout. */
  private @Nullable ScheduledFuture<?> holdTimer;

  /** The connection is closing after an early refusal: drop whatever else arrives. */
  private boolean refused;

  /**
   * The parts of the request whose answer is being worked out off the loop ({@link
   * Route#answerLater}).
   */
  private @Nullable List<Object> later;

  private @Nullable Disposable laterWork;

  /** What arrived on the connection while {@link #later} was pending, in order. */
  private final List<Object> deferred = new ArrayList<>();

  private int deferredBytes;

  /**
   * A request that ends the connection ({@code Connection: close}, HTTP/1.0 without keep-alive) and
   * its parts, held while the previous exchange with the server is still bound to the channel. See
   * {@link #passToServer}.
   */
  private final List<Object> closing = new ArrayList<>();

  private int closingBytes;

  /** Inside a read batch (between channelRead and channelReadComplete). */
  private boolean reading;

  /** Most bytes held from a connection that goes on sending while an answer is worked out. */
  static final int MAX_DEFERRED = 65536;

  FastPath(List<Route> routes) {
    this(routes, DEFAULT_HOLD_TIMEOUT);
  }

  FastPath(List<Route> routes, Duration holdTimeout) {
    this.routes = routes;
    this.holdTimeoutNanos = holdTimeout.toNanos();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    if (refused) {
      consumed = true;
      ReferenceCountUtil.release(msg);
      return;
    }
    if (later != null) {
      defer(ctx, msg);
      return;
    }
    if (!closing.isEmpty()) {
      holdClosing(ctx, msg);
      return;
    }
    if (!held.isEmpty()) {
      hold(ctx, msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      long arrival = System.nanoTime();
      String malformed = pendingSlow == 0 ? EarlyRefusals.malformedTarget(request.uri()) : null;
      if (malformed != null) {
        // WebFlux would answer a bare 400 without a problem body (its adapter cannot build a URI).
        // Only when no earlier request is with WebFlux, so answers keep their order.
        refused = true;
        consumed = true;
        ReferenceCountUtil.release(msg);
        EarlyRefusals.badTarget(ctx, request.uri(), malformed);
        return;
      }
      if (!eligible(ctx, request)) {
        pass(ctx, msg);
        return;
      }
      HttpMethod method = request.method();
      if (HttpMethod.POST.equals(method)) {
        if (msg instanceof LastHttpContent || !acceptsBody(request.uri(), request.headers())) {
          pass(ctx, msg);
          return;
        }
        heldArrival = arrival;
        heldBytes = 0;
        held.add(msg);
        consumed = true;
        return;
      }
      Answer answer = answer(method, request.uri(), Unpooled.EMPTY_BUFFER, arrival);
      if (answer == null) {
        pass(ctx, msg);
        return;
      }
      swallowing = !(msg instanceof LastHttpContent);
      consumed = true;
      ReferenceCountUtil.release(msg);
      write(ctx, method, answer, arrival);
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

  /** The next part of a held POST: keep it, and at the last part answer or hand everything on. */
  private void hold(ChannelHandlerContext ctx, Object msg) {
    held.add(msg);
    consumed = true;
    if (msg instanceof HttpContent content) {
      heldBytes += content.content().readableBytes();
    }
    if (heldBytes > MAX_BODY || !(msg instanceof HttpContent)) {
      release(ctx, false);
      return;
    }
    if (!(msg instanceof LastHttpContent)) {
      return;
    }
    HttpRequest request = (HttpRequest) held.get(0);
    ByteBuf body = Unpooled.compositeBuffer(held.size());
    for (int i = 1; i < held.size(); i++) {
      ((CompositeByteBuf) body)
          .addComponent(true, ((HttpContent) held.get(i)).content().retainedDuplicate());
    }
    Answer answer;
    @Nullable Mono<Answer> pending = null;
    try {
      answer = answer(request.method(), request.uri(), body, heldArrival);
      if (answer == null) {
        pending = answerLater(request.method(), request.uri(), body, heldArrival);
      }
    } finally {
      body.release();
    }
    if (answer == null && pending != null) {
      startLater(ctx, request.method(), pending);
      return;
    }
    if (answer == null) {
      release(ctx, false);
      return;
    }
    release(ctx, true);
    write(ctx, request.method(), answer, heldArrival);
  }

  /**
   * The held body stopped arriving: as Reactor Netty's read timeout would for a request WebFlux
   * has, but with a 408 problem instead of a 500, and the connection closed (the rest may still
   * come).
   */
  private void holdTimedOut(ChannelHandlerContext ctx) {
    holdTimer = null;
    if (held.isEmpty() || !ctx.channel().isActive()) {
      return;
    }
    String target = ((HttpRequest) held.get(0)).uri();
    held.forEach(ReferenceCountUtil::release);
    held.clear();
    refused = true;
    EarlyRefusals.bodyTimedOut(ctx, target);
  }

  private void cancelHoldTimer() {
    ScheduledFuture<?> timer = holdTimer;
    if (timer != null) {
      timer.cancel(false);
      holdTimer = null;
    }
  }

  /** Ends holding: drops the held parts (answered) or hands them on to WebFlux in order. */
  private void release(ChannelHandlerContext ctx, boolean answered) {
    cancelHoldTimer();
    List<Object> parts = new ArrayList<>(held);
    held.clear();
    if (answered) {
      parts.forEach(ReferenceCountUtil::release);
      return;
    }
    pendingSlow++;
    Object last = parts.get(parts.size() - 1);
    if (!(last instanceof LastHttpContent) && last instanceof HttpContent) {
      swallowing = false; // the rest of the body follows straight to WebFlux
    }
    parts.forEach(ctx::fireChannelRead);
  }

  /** Keeps the held request until {@code pending} answers it (or hands it on); later reads wait. */
  private void startLater(ChannelHandlerContext ctx, HttpMethod method, Mono<Answer> pending) {
    List<Object> parts = new ArrayList<>(held);
    held.clear();
    later = parts;
    long arrival = heldArrival;
    laterWork =
        pending
            .map(Optional::of)
            .onErrorResume(e -> Mono.just(Optional.empty()))
            .defaultIfEmpty(Optional.empty())
            .subscribe(
                a -> {
                  if (ctx.executor().inEventLoop()) {
                    finishLater(ctx, parts, method, a.orElse(null), arrival);
                  } else {
                    ctx.executor()
                        .execute(() -> finishLater(ctx, parts, method, a.orElse(null), arrival));
                  }
                });
    if (later != parts) {
      laterWork = null; // it completed during subscribe (a request shed at once)
    }
  }

  /**
   * On the event loop: writes the answer or hands the request on, then goes on with what waited.
   */
  private void finishLater(
      ChannelHandlerContext ctx,
      List<Object> parts,
      HttpMethod method,
      @Nullable Answer answer,
      long arrival) {
    if (later != parts) {
      if (answer != null) {
        answer.onWritten().written(-1);
      }
      return; // the connection closed meanwhile (channelInactive released the parts)
    }
    later = null;
    laterWork = null;
    if (answer != null) {
      parts.forEach(ReferenceCountUtil::release);
      write(ctx, method, answer, arrival);
    } else {
      pendingSlow++;
      parts.forEach(ctx::fireChannelRead);
    }
    consumed = true;
    List<Object> waiting = new ArrayList<>(deferred);
    deferred.clear();
    deferredBytes = 0;
    boolean inBatch = reading;
    // In order; should one of them start another answer off the loop, the rest wait again
    // (channelRead).
    waiting.forEach(m -> channelRead(ctx, m));
    if (!inBatch) {
      channelReadComplete(ctx); // flush, ask for more, tell the server side the batch ended
    }
  }

  @SuppressWarnings(
      "FutureReturnValueIgnored") // Netty: closing needs no follow-up; channelInactive cleans up
  private void defer(ChannelHandlerContext ctx, Object msg) {
    deferred.add(msg);
    consumed = true;
    if (msg instanceof HttpContent content) {
      deferredBytes += content.content().readableBytes();
    }
    if (deferredBytes > MAX_DEFERRED) {
      ctx.close(); // a client that floods a connection while its answer is worked out
    }
  }

  private void pass(ChannelHandlerContext ctx, Object msg) {
    pendingSlow++;
    passToServer(ctx, msg);
  }

  /**
   * Hands a request on, unless it ends the connection and the previous exchange is still bound to
   * the channel (its response is written, but Reactor Netty has not yet terminated it: that happens
   * on a later turn of the loop). Reactor Netty 1.3.8 queues such a request and, having marked the
   * connection non-persistent, never takes it out of the queue when the previous exchange ends: the
   * client waits until its timeout. So it waits here instead, and goes on once the server side says
   * the exchange ended (a user event, {@link #userEventTriggered}).
   */
  private void passToServer(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request
        && !HttpUtil.isKeepAlive(request)
        && ChannelOperations.get(ctx.channel()) instanceof HttpServerRequest) {
      consumed = true;
      closingBytes = 0;
      closing.add(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @SuppressWarnings(
      "FutureReturnValueIgnored") // Netty: closing needs no follow-up; channelInactive cleans up
  private void holdClosing(ChannelHandlerContext ctx, Object msg) {
    closing.add(msg);
    consumed = true;
    if (msg instanceof HttpContent content) {
      closingBytes += content.content().readableBytes();
    }
    if (closingBytes > MAX_DEFERRED) {
      ctx.close(); // a large body behind a request that ends the connection anyway
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ctx.fireUserEventTriggered(evt);
    if (closing.isEmpty()
        || ChannelOperations.get(ctx.channel()) instanceof HttpServerRequest
        || !ctx.channel().isActive()) {
      return;
    }
    // The previous exchange ended (the server side has seen the event first): the closing request
    // goes on as if it had just been read.
    List<Object> parts = new ArrayList<>(closing);
    closing.clear();
    closingBytes = 0;
    parts.forEach(ctx::fireChannelRead);
    if (!reading) {
      ctx.fireChannelReadComplete();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelHoldTimer();
    held.forEach(ReferenceCountUtil::release);
    held.clear();
    if (later != null) {
      later.forEach(ReferenceCountUtil::release);
      later = null;
    }
    if (laterWork != null) {
      laterWork.dispose(); // gives back whatever slot the work held
      laterWork = null;
    }
    deferred.forEach(ReferenceCountUtil::release);
    deferred.clear();
    closing.forEach(ReferenceCountUtil::release);
    closing.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    if (!held.isEmpty() && holdTimer == null) {
      // A body still incomplete after this read: bound the wait for the rest. (Most bodies arrive
      // with their request in one read and never need a timer.)
      holdTimer =
          ctx.executor().schedule(() -> holdTimedOut(ctx), holdTimeoutNanos, TimeUnit.NANOSECONDS);
    }
    if (flushNeeded) {
      flushNeeded = false;
      ctx.flush();
    }
    if (consumed) {
      consumed = false;
      // Reactor Netty reads on demand (auto-read off) and asks for more only after requests it saw;
      // with none of ours in its hands, ask here or the connection stops reading.
      // While an answer is worked out off the loop, nothing more is read (what came meanwhile
      // waits).
      if (pendingSlow == 0 && later == null && !ctx.channel().config().isAutoRead()) {
        ctx.read();
      }
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  @SuppressWarnings(
      "FutureReturnValueIgnored") // Netty: the caller's promise carries the write's outcome
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    // A complete response of a request WebFlux had (1xx interim responses are not the end of one).
    if (msg instanceof LastHttpContent
        && !(msg instanceof HttpResponse r
            && r.status().codeClass() == HttpStatusClass.INFORMATIONAL)
        && pendingSlow > 0) {
      pendingSlow--;
    }
    ctx.write(msg, promise);
  }

  private boolean eligible(ChannelHandlerContext ctx, HttpRequest request) {
    if (pendingSlow > 0
        || swallowing
        || !ctx.channel().isWritable()
        || !request.decoderResult().isSuccess()) {
      return false;
    }
    HttpMethod method = request.method();
    if ((!HttpMethod.GET.equals(method)
            && !HttpMethod.HEAD.equals(method)
            && !HttpMethod.POST.equals(method))
        || !HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
      return false;
    }
    HttpHeaders h = request.headers();
    int length = h.getInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    boolean bodyOk =
        HttpMethod.POST.equals(method) ? length > 0 && length <= MAX_BODY : length == 0;
    return bodyOk
        && !h.contains(HttpHeaderNames.IF_NONE_MATCH)
        && !h.contains(HttpHeaderNames.IF_MODIFIED_SINCE)
        && !h.contains(HttpHeaderNames.RANGE)
        && !h.contains(HttpHeaderNames.EXPECT)
        && !h.contains(HttpHeaderNames.TRANSFER_ENCODING)
        && !h.contains(HttpHeaderNames.UPGRADE)
        && !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
  }

  private boolean acceptsBody(String uri, HttpHeaders headers) {
    for (Route route : routes) {
      if (route.acceptsBody(uri, headers)) {
        return true;
      }
    }
    return false;
  }

  private @Nullable Mono<Answer> answerLater(
      HttpMethod method, String uri, ByteBuf body, long arrival) {
    for (Route route : routes) {
      Mono<Answer> a = route.answerLater(method, uri, body, arrival);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  private @Nullable Answer answer(HttpMethod method, String uri, ByteBuf body, long arrival) {
    for (Route route : routes) {
      Answer a = route.answer(method, uri, body, arrival);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  @SuppressWarnings(
      "FutureReturnValueIgnored") // Netty: write failures fail the channel; the listeners that
  // matter are added
  private void write(ChannelHandlerContext ctx, HttpMethod method, Answer answer, long arrival) {
    Completion done = answer.onWritten();
    ChannelFutureListener written =
        f -> done.written(f.isSuccess() ? System.nanoTime() - arrival : -1);
    flushNeeded = true;
    FileRegion region = HttpMethod.HEAD.equals(method) ? null : region(ctx, answer);
    if (region != null) {
      // sendfile: headers, the file region, then the end of the response. Corked (as nginx's
      // tcp_nopush) so the headers ride in the first full segment instead of a packet of their own;
      // the cork comes off once the response is written, which pushes out the last partial segment.
      boolean corked = cork(ctx, true);
      ctx.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, answer.status(), answer.headers()));
      ctx.write(region);
      ChannelFutureListener end =
          corked ? f -> cork(ctx, false) : ChannelFutureListener.CLOSE_ON_FAILURE;
      ctx.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(written).addListener(end);
      return;
    }
    // HEAD: the codec drops the body of a HEAD answer itself; send none, keep Content-Length.
    ByteBuf body =
        HttpMethod.HEAD.equals(method) ? Unpooled.EMPTY_BUFFER : answer.body().duplicate();
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            answer.status(),
            body,
            answer.headers(),
            EmptyHttpHeaders.INSTANCE);
    ctx.write(response).addListener(written);
  }

  /** Sets TCP_CORK where the transport has it (Linux epoll); {@code false} when it has not. */
  private static boolean cork(ChannelHandlerContext ctx, boolean on) {
    try {
      return ctx.channel().isActive()
          && ctx.channel().config().setOption(EpollChannelOption.TCP_CORK, on);
    } catch (ChannelException e) {
      return false; // the socket went away meanwhile
    }
  }

  private static @Nullable FileRegion region(ChannelHandlerContext ctx, Answer answer) {
    Supplier<@Nullable SharedFile> source = answer.file();
    if (source == null || ctx.pipeline().get(SslHandler.class) != null) {
      return null; // TLS encrypts in user space: a file region cannot pass through it
    }
    SharedFile file = source.get();
    return file == null ? null : file.region();
  }
}
