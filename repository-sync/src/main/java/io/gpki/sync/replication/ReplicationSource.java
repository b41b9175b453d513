package io.gpki.sync.replication;

import io.gpki.sync.DemotionToken;
import io.gpki.sync.store.R2dbcReplication;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The master's side: serves its chained change log from a given seq as a chunked HTTPS stream on a
 * port of its own, mutual TLS with replication certificates. The peer is the CN of its client
 * certificate; acknowledgements are small POSTs recorded in replication_ack. Backpressure is TCP's:
 * Reactor Netty requests the next frames only while the channel is writable, and a page of the log
 * is read only when the previous one went out.
 *
 * <ul>
 *   <li>{@code GET /replication/v1/changes?from=SEQ&epoch=E} → lines ({@link Frames})
 *   <li>{@code POST /replication/v1/ack} body {@code "EPOCH SEQ"} → the stored ack
 *   <li>{@code GET /replication/v1/status} → this center's role, epoch, head and acks
 *   <li>{@code GET /replication/v1/digests} → per-table digests (anti-entropy)
 * </ul>
 */
public final class ReplicationSource implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationSource.class);
  private static final int PAGE = 256;

  private final R2dbcReplication store;
  private final EpochSource epochs;
  private final EpochObserver observer;
  private final Set<String> peers;
  private final Duration poll;
  private final Duration heartbeat;
  private final Clock clock;
  private final AckSignal acks;
  private final AtomicReference<@Nullable DisposableServer> server = new AtomicReference<>();

  /**
   * @param peers the CNs of replication certificates allowed to subscribe; empty allows any that
   *     chains to the trust anchors
   * @param poll how often an idle stream looks for new entries
   * @param heartbeat how often an idle stream sends (epoch, head)
   * @param acks told of every acknowledgement (the publication gate waits on it)
   */
  public ReplicationSource(
      R2dbcReplication store,
      EpochSource epochs,
      EpochObserver observer,
      Set<String> peers,
      Duration poll,
      Duration heartbeat,
      Clock clock,
      AckSignal acks) {
    this.store = store;
    this.epochs = epochs;
    this.observer = observer;
    this.peers = Set.copyOf(peers);
    this.poll = poll;
    this.heartbeat = heartbeat;
    this.clock = clock;
    this.acks = acks;
  }

  /** Binds the listener. The TLS context is built on {@code blocking} (key stores). */
  public Mono<DisposableServer> start(
      String host, int port, ReplicationTls tls, Scheduler blocking) {
    return Mono.fromCallable(tls::server)
        .subscribeOn(blocking)
        .flatMap(
            ssl ->
                HttpServer.create()
                    .host(host)
                    .port(port)
                    .secure(spec -> spec.sslContext(ssl))
                    .route(
                        routes ->
                            routes
                                .get("/replication/v1/changes", this::changes)
                                .post("/replication/v1/ack", this::ack)
                                .get("/replication/v1/status", this::status)
                                .get("/replication/v1/digests", this::digests))
                    .bind()
                    .map(DisposableServer.class::cast))
        .doOnNext(
            s -> {
              server.set(s);
              LOG.info("replication stream listening on {}:{} (mutual TLS)", host, s.port());
            });
  }

  /** The bound port, or -1. */
  public int port() {
    DisposableServer s = server.get();
    return s == null ? -1 : s.port();
  }

  private Publisher<Void> changes(HttpServerRequest req, HttpServerResponse res) {
    String peer = peer(req);
    if (peer == null) {
      return refuse(res, HttpResponseStatus.FORBIDDEN, "replication certificate not allowed");
    }
    Map<String, String> q = query(req.uri());
    long from;
    long theirEpoch;
    try {
      from = Math.max(1, Long.parseLong(q.getOrDefault("from", "1")));
      theirEpoch = Long.parseLong(q.getOrDefault("epoch", "0"));
    } catch (NumberFormatException e) {
      return refuse(res, HttpResponseStatus.BAD_REQUEST, "from and epoch are numbers");
    }
    return epochs
        .current()
        .flatMap(
            center -> {
              if (theirEpoch > center.epoch()) {
                // A peer is at a higher epoch: this center is a stale master. Fence (hook), serve
                // nothing.
                LOG.warn(
                    "replication peer {} is at epoch {} above ours ({}): refusing and reporting it",
                    peer,
                    theirEpoch,
                    center.epoch());
                return observer
                    .observe(theirEpoch)
                    .then(
                        Mono.from(
                            refuse(
                                res,
                                HttpResponseStatus.CONFLICT,
                                "peer epoch " + theirEpoch + " above " + center.epoch())));
              }
              Mono<Boolean> serve =
                  center.master() ? Mono.just(true) : handover(center.epoch(), peer).hasElement();
              return serve.flatMap(
                  yes -> {
                    if (!yes) {
                      return Mono.from(
                          refuse(
                              res,
                              HttpResponseStatus.SERVICE_UNAVAILABLE,
                              "this center is " + center.role()));
                    }
                    LOG.info(
                        "replication peer {} subscribed from seq {} (epoch {}{})",
                        peer,
                        from,
                        center.epoch(),
                        center.master() ? "" : ", handing over");
                    // Flush at every heartbeat and at the handover: each page ends with a
                    // heartbeat, and an idle stream sends one per interval, so records go out a
                    // page at a time and nothing waits in a buffer while the log is quiet.
                    return res.header("Content-Type", "text/plain; charset=us-ascii")
                        .header("Gpki-Epoch", Long.toString(center.epoch()))
                        .send(
                            stream(from - 1, peer)
                                .map(f -> io.netty.buffer.ByteBufUtil.writeAscii(res.alloc(), f)),
                            b ->
                                b.getByte(b.readerIndex()) == 'H'
                                    || b.getByte(b.readerIndex()) == 'T')
                        .then()
                        .doFinally(s -> LOG.info("replication stream to {} ended ({})", peer, s));
                  });
            });
  }

  /** The demotion token this center holds for {@code peer} at {@code epoch}, if any. */
  private Mono<DemotionToken> handover(long epoch, String peer) {
    return store.demotion().filter(t -> t.epoch() == epoch && t.toCenter().equals(peer));
  }

  /**
   * Pages of the log after {@code after}, each followed by a heartbeat; heartbeats while idle. When
   * this center stops being MASTER: for the target of its switchover, the rest of the log up to the
   * demotion token and then the token ({@code T}), which ends the stream; for anyone else, the end
   * of the stream (a reconnect is answered 503).
   */
  Flux<String> stream(long after, String peer) {
    AtomicLong cursor = new AtomicLong(after);
    AtomicLong lastFrame = new AtomicLong(0);
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    return epochs
        .current()
        .flatMapMany(
            center -> {
              if (center.master()) {
                return page(cursor, lastFrame);
              }
              return handover(center.epoch(), peer)
                  .flatMapMany(
                      token ->
                          store
                              .after(cursor.get(), PAGE)
                              .filter(r -> r.seq() <= token.lastSeq())
                              .collectList()
                              .flatMapMany(
                                  page -> {
                                    if (page.isEmpty()) {
                                      done.set(true);
                                      LOG.warn("handing over to {}: {}", peer, token.summary());
                                      return Flux.just(Frames.handover(token));
                                    }
                                    cursor.set(page.get(page.size() - 1).seq());
                                    return Flux.fromIterable(page)
                                        .map(Frames::record)
                                        .concatWith(heartbeat());
                                  }))
                  .switchIfEmpty(
                      Flux.defer(
                          () -> {
                            // Fenced, or handing over and the token not yet committed: end the
                            // stream; the peer reconnects and gets the token or a 503.
                            done.set(true);
                            LOG.info(
                                "center is no longer MASTER ({}): ending the stream to {}",
                                center.role(),
                                peer);
                            return Flux.empty();
                          }));
            })
        .repeat(() -> !done.get());
  }

  private Flux<String> page(AtomicLong cursor, AtomicLong lastFrame) {
    return store
        .after(cursor.get(), PAGE)
        .collectList()
        .flatMapMany(
            page -> {
              if (page.isEmpty()) {
                long now = clock.millis();
                Mono<String> beat =
                    now - lastFrame.get() >= heartbeat.toMillis()
                        ? heartbeat().doOnNext(b -> lastFrame.set(now))
                        : Mono.empty();
                return beat.concatWith(Mono.delay(poll).then(Mono.empty()));
              }
              cursor.set(page.get(page.size() - 1).seq());
              lastFrame.set(clock.millis());
              return Flux.fromIterable(page).map(Frames::record).concatWith(heartbeat());
            });
  }

  private Mono<String> heartbeat() {
    return Mono.zip(epochs.current(), store.head())
        .map(t -> Frames.heartbeat(t.getT1().epoch(), t.getT2().seq(), clock.millis()));
  }

  private Publisher<Void> ack(HttpServerRequest req, HttpServerResponse res) {
    String peer = peer(req);
    if (peer == null) {
      return refuse(res, HttpResponseStatus.FORBIDDEN, "replication certificate not allowed");
    }
    return req.receive()
        .aggregate()
        .asString(StandardCharsets.US_ASCII)
        .defaultIfEmpty("")
        .flatMap(
            body -> {
              String[] f = body.trim().split("\\s+");
              if (f.length != 2) {
                return Mono.from(refuse(res, HttpResponseStatus.BAD_REQUEST, "body is: EPOCH SEQ"));
              }
              long epoch = Long.parseLong(f[0]);
              long seq = Long.parseLong(f[1]);
              return epochs
                  .current()
                  .flatMap(
                      center ->
                          epoch > center.epoch()
                              ? observer
                                  .observe(epoch)
                                  .then(
                                      Mono.from(
                                          refuse(res, HttpResponseStatus.CONFLICT, "higher epoch")))
                              : store
                                  .acknowledge(peer, epoch, seq)
                                  .doOnNext(acks::acknowledged)
                                  .flatMap(
                                      stored -> res.sendString(Mono.just(stored + "\n")).then()));
            });
  }

  private Publisher<Void> status(HttpServerRequest req, HttpServerResponse res) {
    if (peer(req) == null) {
      return refuse(res, HttpResponseStatus.FORBIDDEN, "replication certificate not allowed");
    }
    return Mono.zip(epochs.current(), store.head(), store.maxAcknowledged())
        .flatMap(
            t ->
                res.header("Content-Type", "application/json")
                    .sendString(
                        Mono.just(
                            "{\"role\":\""
                                + t.getT1().role()
                                + "\",\"epoch\":"
                                + t.getT1().epoch()
                                + ",\"headSeq\":"
                                + t.getT2().seq()
                                + ",\"ackedSeq\":"
                                + t.getT3()
                                + "}\n"))
                    .then());
  }

  private Publisher<Void> digests(HttpServerRequest req, HttpServerResponse res) {
    if (peer(req) == null) {
      return refuse(res, HttpResponseStatus.FORBIDDEN, "replication certificate not allowed");
    }
    return Mono.zip(store.head(), store.digests())
        .flatMap(
            t ->
                res.header("Content-Type", "text/plain")
                    .sendString(Mono.just(Digests.format(t.getT1().seq(), t.getT2())))
                    .then());
  }

  private static Publisher<Void> refuse(
      HttpServerResponse res, HttpResponseStatus status, String why) {
    return res.status(status)
        .header("Content-Type", "text/plain")
        .sendString(Mono.just(why + "\n"))
        .then();
  }

  /** The CN of the client certificate, if it is an allowed peer. */
  private @Nullable String peer(HttpServerRequest req) {
    AtomicReference<@Nullable String> cn = new AtomicReference<>();
    req.withConnection(
        c -> {
          SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
          if (ssl == null) {
            return;
          }
          try {
            X509Certificate cert =
                (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
              if (rdn.getType().equalsIgnoreCase("CN")) {
                cn.set(rdn.getValue().toString());
              }
            }
          } catch (javax.net.ssl.SSLPeerUnverifiedException | javax.naming.InvalidNameException e) {
            LOG.debug("no usable peer certificate", e);
          }
        });
    String name = cn.get();
    return name != null && (peers.isEmpty() || peers.contains(name)) ? name : null;
  }

  private static Map<String, String> query(String uri) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return Map.of();
    }
    return java.util.Arrays.stream(uri.substring(q + 1).split("&"))
        .map(p -> p.split("=", 2))
        .filter(p -> p.length == 2)
        .collect(Collectors.toMap(p -> p[0], p -> p[1], (a, b) -> b));
  }

  @Override
  public void close() {
    DisposableServer s = server.getAndSet(null);
    if (s != null) {
      s.disposeNow(Duration.ofSeconds(5));
    }
  }
}
