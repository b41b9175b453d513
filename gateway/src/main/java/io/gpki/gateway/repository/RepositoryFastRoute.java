package io.gpki.gateway.repository;

import io.gpki.gateway.web.FastPath;
import io.gpki.gateway.web.SharedFile;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The repository's answers on the {@link FastPath}: plain file URLs, RFC 4387 hits and
 * single-valued LDAP-over-HTTP hits of the current snapshot, resolved by the same code the WebFlux
 * handlers use ({@link RepositorySnapshot#get}, {@link Rfc4387Handler#parse}/{@link
 * Rfc4387Handler#completeHit}, {@link LdapUrlHandler#parse}/{@link LdapUrlHandler#single}) and with
 * the same headers ({@link PublishedResponder#headers}). Anything else (errors, misses, referrals,
 * several LDAP values, store-backed objects) returns {@code null} and WebFlux answers it.
 *
 * <p>Per snapshot it remembers each request target's resolution (bounded; misses too), so a
 * repeated lookup is one map read; each object's body lives once in a shared direct buffer and its
 * headers are rebuilt once per second (Cache-Control counts down to nextUpdate). Bodies of at least
 * {@value #FILE_THRESHOLD} bytes (CRLs with many entries) are also written, off the event loop, to
 * an unlinked temporary file and then go out with sendfile, as nginx serves static files. Each
 * answer is recorded in {@link AccessStatistics} like any other, from arrival to the last byte
 * written.
 */
public final class RepositoryFastRoute implements FastPath.Route {

  /** Most request targets remembered per snapshot; beyond it, targets are resolved each time. */
  static final int MAX_REMEMBERED = 8192;

  private final RepositorySnapshots snapshots;
  private final PublishedResponder responder;
  private final RepositoryProperties props;
  private final AccessStatistics statistics;
  private final Clock clock;

  /** Where large bodies are written once per snapshot for sendfile; {@code null}: buffers only. */
  private final @Nullable Path fileDir;

  private final Scheduler fileWriter;
  private final AtomicReference<Memo> memo;

  public RepositoryFastRoute(
      RepositorySnapshots snapshots,
      PublishedResponder responder,
      RepositoryProperties props,
      AccessStatistics statistics,
      Clock clock) {
    this.snapshots = snapshots;
    this.responder = responder;
    this.props = props;
    this.statistics = statistics;
    this.clock = clock;
    this.fileDir = fileDir(props);
    this.fileWriter = Schedulers.newBoundedElastic(1, 1024, "repository-files", 60, true);
    this.memo = new AtomicReference<>(new Memo(RepositorySnapshot.empty()));
  }

  /** Bodies at least this large go out with sendfile once their file is written. */
  static final int FILE_THRESHOLD = 32 * 1024;

  private static @Nullable Path fileDir(RepositoryProperties props) {
    if (!props.http().fastPath()) {
      return null;
    }
    try {
      Path dir = Files.createTempDirectory("gpki-fastpath-");
      dir.toFile().deleteOnExit(); // files in it are unlinked as soon as they are open
      return dir;
    } catch (IOException e) {
      LOG.warn(
          "repository fast path: no temporary directory for sendfile bodies, serving from memory",
          e);
      return null;
    }
  }

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // identity is the point: the memo belongs to this very snapshot
  public FastPath.@Nullable Answer answer(
      HttpMethod method, String uri, ByteBuf body, long arrivalNanos) {
    RepositorySnapshot snapshot = snapshots.current();
    if (method == HttpMethod.POST || !snapshot.loaded()) {
      return null;
    }
    Memo m = Objects.requireNonNull(memo.get());
    if (m.snapshot != snapshot) {
      Memo fresh = new Memo(snapshot);
      if (memo.compareAndSet(m, fresh)) {
        m.close(); // its files close once their last response is written
        m = fresh;
      } else {
        m = Objects.requireNonNull(memo.get());
        if (m.snapshot != snapshot) {
          return null; // snapshots are moving right now: let WebFlux answer this one
        }
      }
    }
    Target target = m.targets.get(uri);
    if (target == null) {
      target = resolve(m, uri);
      if (m.targets.size() < MAX_REMEMBERED) {
        m.targets.put(uri, target);
      }
    }
    if (target.object == null) {
      return null;
    }
    Stamped s = target.at(clock.millis() / 1000, responder);
    if (s.stale) {
      responder.countStale();
    }
    return s.answer;
  }

  /** What one snapshot's request targets resolve to, and its objects' shared encodings. */
  private final class Memo {
    final RepositorySnapshot snapshot;
    final Map<String, Target> targets = new ConcurrentHashMap<>();
    final Map<Published, Encoded> encoded = new ConcurrentHashMap<>();
    private boolean closed;

    Memo(RepositorySnapshot snapshot) {
      this.snapshot = snapshot;
    }

    Encoded encoded(Published p) {
      return encoded.computeIfAbsent(p, this::encode);
    }

    private Encoded encode(Published p) {
      Encoded e = new Encoded(p);
      Path dir = fileDir;
      if (dir != null && p.body().length >= FILE_THRESHOLD) {
        // Written off the event loop; until it is ready the buffer serves.
        Mono.fromCallable(() -> SharedFile.create(dir, p.body()))
            .subscribeOn(fileWriter)
            .subscribe(
                f -> adopt(e, f),
                err ->
                    LOG.warn(
                        "repository fast path: could not write a sendfile body, serving from memory",
                        err));
      }
      return e;
    }

    private synchronized void adopt(Encoded e, SharedFile f) {
      if (closed) {
        f.release();
      } else {
        e.file = f;
      }
    }

    synchronized void close() {
      closed = true;
      for (Encoded e : encoded.values()) {
        SharedFile f = e.file;
        if (f != null) {
          e.file = null;
          f.release();
        }
      }
    }
  }

  /** One object's body in a shared direct buffer and, when large, in a file for sendfile. */
  private static final class Encoded {
    final Published published;
    final ByteBuf body;
    volatile @Nullable SharedFile file;

    Encoded(Published published) {
      this.published = published;
      this.body = FastPath.shared(published.body());
    }
  }

  /** An answer valid for one second. */
  private record Stamped(long second, FastPath.Answer answer, boolean stale) {}

  private static final Logger LOG = LoggerFactory.getLogger(RepositoryFastRoute.class);

  private static final Target MISS = new Target(null, "", "", null);

  /**
   * A request target's resolution: the object and the statistics labels its requests count under.
   */
  private static final class Target {
    final @Nullable Encoded object;
    final FastPath.Completion written;
    volatile @Nullable Stamped current;

    Target(
        @Nullable Encoded object,
        String iface,
        String kind,
        @Nullable AccessStatistics statistics) {
      this.object = object;
      this.written =
          statistics == null
              ? nanos -> {}
              : nanos ->
                  statistics.record(iface, kind, nanos < 0 ? "error" : "ok", Math.max(nanos, 0));
    }

    Stamped at(long second, PublishedResponder responder) {
      Stamped s = current;
      if (s == null || s.second != second) {
        s = stamp(second, responder);
        current = s;
      }
      return s;
    }

    private Stamped stamp(long second, PublishedResponder responder) {
      Encoded e = java.util.Objects.requireNonNull(object);
      Published p = e.published;
      PublishedResponder.HeaderSet set = responder.headers(p, Instant.ofEpochSecond(second));
      HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
      // Rendered as WebFlux renders it, so both paths send identical headers.
      h.set(
          HttpHeaderNames.CONTENT_TYPE,
          new AsciiString(MediaType.parseMediaType(p.contentType()).toString()));
      h.set(HttpHeaderNames.CONTENT_LENGTH, p.body().length);
      set.values()
          .forEach((name, value) -> h.set(AsciiString.cached(name), new AsciiString(value)));
      return new Stamped(
          second,
          new FastPath.Answer(HttpResponseStatus.OK, h, e.body, written, () -> e.file),
          set.stale());
    }
  }

  private Target resolve(Memo m, String uri) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String rawQuery = q < 0 ? null : uri.substring(q + 1);
    String iface = RepositoryTrafficFilter.classify(path);
    if (iface == null || (rawQuery != null && rawQuery.length() > props.maxQueryLength())) {
      return MISS;
    }
    RepositorySnapshot snapshot = m.snapshot;
    Published p;
    String kind;
    try {
      switch (iface) {
        case AccessStatistics.FILES -> {
          if (rawQuery != null || path.indexOf('%') >= 0) {
            return MISS; // WebFlux's path matching and decoding decide those
          }
          String key =
              path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
          p = snapshot.get(key);
          kind = AccessStatistics.fileKind(key);
        }
        case AccessStatistics.RFC4387_CERTS, AccessStatistics.RFC4387_CRLS -> {
          boolean certs = iface.equals(AccessStatistics.RFC4387_CERTS);
          String store = certs ? LookupIndexBuilder.CERTS : LookupIndexBuilder.CRLS;
          Rfc4387Handler.Query query =
              Rfc4387Handler.parse(
                  rawQuery, certs ? Rfc4387Handler.CERT_ATTRIBUTES : Rfc4387Handler.CRL_ATTRIBUTES);
          if (snapshot.lookups().overLimit(store, query.attribute(), query.value()) != null) {
            return MISS;
          }
          p = Rfc4387Handler.completeHit(snapshot, store, query);
          kind = certs ? "certificate" : "crl";
        }
        default -> {
          String rawDn = path.substring(RepositoryInterfaces.LDAP_HTTP.length() + 1);
          LdapUrlHandler.Request r = LdapUrlHandler.parse(rawDn, rawQuery, props.maxFilterLength());
          p = LdapUrlHandler.single(snapshot, r, props);
          kind = AccessStatistics.ldapKind(r.attributes());
        }
      }
    } catch (IllegalArgumentException malformed) {
      return MISS; // WebFlux answers 400 with the problem body
    }
    return p == null ? MISS : new Target(m.encoded(p), iface, kind, statistics);
  }
}
