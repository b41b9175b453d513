package io.gpki.gateway.validation;

import io.gpki.gateway.ErrorType;
import io.gpki.gateway.PkiException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The validation flow behind the API. Steps:
 *
 * <ol>
 *   <li>Take the repository view (CA certificates and our CRLs, from memory) and the trust anchor.
 *   <li>Run the {@link ValidationEngine} over repository plus request certificates.
 *   <li>If that found no path, fetch the caIssuers URLs of the certificates at hand; if a status
 *       was unknown, fetch the CRL distribution points of the path (and ask OCSP where named).
 *       Rerun.
 *   <li>Stop at a valid path, when nothing new can be fetched, or after {@code maxFetchRounds}.
 * </ol>
 *
 * The engine runs inline on the caller's thread (CPU-bound and bounded): the HTTP front calls it on
 * a validation worker ({@link ValidationAdmission}), and the rerun after a fetch round goes back to
 * that scheduler instead of staying on the fetch's I/O thread. Every fetch is non-blocking with its
 * own timeout. Nothing is stored, so a crash at any step leaves nothing behind; caches are rebuilt
 * on demand.
 */
public final class ValidationService {

  private final Supplier<RepositoryView.@Nullable Content> repository;
  private final ValidationEngine engine;
  private final RemoteCache remote;
  private final OcspClient ocsp;
  private final ValidationProperties props;

  ValidationService(
      Supplier<RepositoryView.@Nullable Content> repository,
      ValidationEngine engine,
      RemoteCache remote,
      OcspClient ocsp,
      ValidationProperties props) {
    this.repository = repository;
    this.engine = engine;
    this.remote = remote;
    this.ocsp = ocsp;
    this.props = props;
  }

  /**
   * Validates one certificate. Errors only for bad requests (unknown anchor) and while starting up.
   */
  public Mono<ValidationResult> validate(ValidationRequest request) {
    return validate(request, Schedulers.immediate());
  }

  /**
   * As {@link #validate(ValidationRequest)}, with every engine run after a fetch round on {@code
   * engine} (the first runs on the subscriber's thread).
   */
  public Mono<ValidationResult> validate(ValidationRequest request, Scheduler engine) {
    return Mono.defer(
        () -> {
          Round round;
          try {
            round = round(request);
          } catch (PkiException e) {
            return Mono.error(e);
          }
          return round.run(0, engine).map(round::result);
        });
  }

  /**
   * The verdict when it can be given right now from what is in memory (the repository view, cached
   * CRLs and OCSP answers), with no fetch: a valid path, or a final failure nothing fetched could
   * change. {@code null} when fetching (AIA, external CRLs, OCSP) might change the verdict; then
   * {@link #validate} gives it. Same engine, same inputs, same answer.
   *
   * @throws PkiException for a bad request (unknown anchor) and while starting up, as {@link
   *     #validate}
   */
  public @Nullable ValidationResult validateNow(ValidationRequest request) {
    Round round = round(request);
    Outcome o = round.evaluate();
    if (o instanceof Outcome.Valid
        || props.discovery().maxFetchRounds() <= 0
        || round.fetchesFor(o).isEmpty()) {
      return round.result(round.finish(o));
    }
    return null;
  }

  private Round round(ValidationRequest request) {
    RepositoryView.Content content = repository.get();
    if (content == null) {
      throw new PkiException(ErrorType.NOT_READY, "the repository is loading; retry shortly");
    }
    List<Cert> anchors;
    String anchorId;
    CrlSet crls = new CrlSet(content.crls());
    if (request.testCenter() != null) {
      anchors = request.testCenter().anchors();
      anchorId = "request";
      request.testCenter().crls().forEach(crls::add);
    } else {
      anchorId = request.anchorId();
      Cert anchor =
          props.trustAnchors().contains(anchorId) ? content.anchors().get(anchorId) : null;
      if (anchor == null) {
        throw new PkiException(ErrorType.BAD_REQUEST, "unknown trust anchor: " + anchorId);
      }
      anchors = List.of(anchor);
    }
    // The shared pool keeps its cached distance map; a request with its own certificates gets an
    // overlay (AIA fetches add to an overlay too, see Round).
    CertPool pool = content.pool();
    if (!request.intermediates().isEmpty()) {
      pool = new CertPool(pool);
      request.intermediates().forEach(pool::add);
    }
    return new Round(request, anchors, anchorId, pool, crls);
  }

  /** The state of one request across fetch rounds. */
  private final class Round {
    final ValidationRequest request;
    final List<Cert> anchors;
    final String anchorId;
    CertPool pool;
    final CrlSet crls;
    final Map<String, OcspClient.Answer> answers = new ConcurrentHashMap<>();
    final Set<String> tried = ConcurrentHashMap.newKeySet();
    final List<String> problems = new CopyOnWriteArrayList<>();

    Round(
        ValidationRequest request,
        List<Cert> anchors,
        String anchorId,
        CertPool pool,
        CrlSet crls) {
      this.request = request;
      this.anchors = anchors;
      this.anchorId = anchorId;
      this.pool = pool;
      this.crls = crls;
    }

    ValidationResult result(Outcome o) {
      return new ValidationResult(o, anchorId, request.inputs().time(), List.copyOf(problems));
    }

    /**
     * The engine over every anchor with what is at hand: the first valid outcome, or the most
     * informative.
     */
    Outcome evaluate() {
      @Nullable Outcome best = null;
      for (Cert anchor : anchors) {
        Outcome o =
            engine.validate(request.target(), anchor, pool, crls, answers, request.inputs());
        if (o instanceof Outcome.Valid) {
          return o;
        }
        if (best == null || ValidationEngine.rank(o) > ValidationEngine.rank(best)) {
          best = o;
        }
      }
      return Objects.requireNonNull(best, "a round has at least one anchor");
    }

    Mono<Outcome> run(int n, Scheduler engine) {
      Outcome outcome = evaluate();
      if (outcome instanceof Outcome.Valid) {
        return Mono.just(outcome);
      }
      if (n >= props.discovery().maxFetchRounds()) {
        return Mono.just(finish(outcome));
      }
      List<Mono<Void>> fetches = fetchesFor(outcome);
      if (fetches.isEmpty()) {
        return Mono.just(finish(outcome));
      }
      return Flux.merge(fetches).then(Mono.defer(() -> run(n + 1, engine)).subscribeOn(engine));
    }

    /** A NO_PATH that a failed fetch may explain is indeterminate, not invalid. */
    Outcome finish(Outcome o) {
      if (o instanceof Outcome.Invalid i && i.reason() == Reason.NO_PATH && !problems.isEmpty()) {
        return new Outcome.Indeterminate(
            Reason.NO_PATH,
            i.detail() + "; issuer certificates could not be fetched",
            -1,
            i.path(),
            i.evidence());
      }
      return o;
    }

    List<Mono<Void>> fetchesFor(Outcome o) {
      List<Mono<Void>> out = new ArrayList<>();
      Reason reason = ValidationEngine.reason(o);
      if (reason == Reason.NO_PATH || reason == Reason.PATH_DISCOVERY_LIMIT) {
        Set<String> urls = new LinkedHashSet<>(Urls.caIssuers(request.target()));
        for (Cert c : pool.all()) {
          if (c.source() != Source.REPOSITORY) {
            urls.addAll(Urls.caIssuers(c));
          }
        }
        for (String url : urls) {
          if (tried.add("aia " + url)) {
            out.add(
                remote
                    .certificates(url)
                    .doOnNext(this::addFetched)
                    .then()
                    .onErrorResume(e -> note(url, e)));
          }
        }
      } else if (o instanceof Outcome.Indeterminate ind
          && ind.reason() == Reason.REVOCATION_UNAVAILABLE) {
        List<Cert> path = ind.path();
        for (int i = 1; i < path.size(); i++) {
          for (String url : Urls.crls(path.get(i))) {
            if (tried.add("crl " + url)) {
              out.add(remote.crl(url).doOnNext(crls::add).then().onErrorResume(e -> note(url, e)));
            }
          }
        }
        int idx = ind.certIndex();
        if (idx >= 1 && idx < path.size()) {
          Cert cert = path.get(idx);
          for (String url : OcspClient.urls(cert)) {
            if (tried.add("ocsp " + url + " " + cert.sha256())) {
              out.add(
                  ocsp.query(cert, path.get(idx - 1), url, request.inputs().time())
                      .doOnNext(a -> answers.put(cert.sha256(), a))
                      .then()
                      .onErrorResume(e -> note(url, e)));
              break;
            }
          }
        }
      }
      return out;
    }

    private synchronized void addFetched(List<Cert> certs) {
      if (pool.isShared()) {
        pool = new CertPool(pool);
      }
      certs.forEach(pool::add);
    }

    private Mono<Void> note(String url, Throwable e) {
      problems.add(url + ": " + message(e));
      return Mono.empty();
    }
  }

  private static String message(Throwable e) {
    @Nullable String m = e.getMessage();
    return e instanceof java.util.concurrent.TimeoutException
        ? "timed out"
        : m == null ? e.getClass().getSimpleName() : m;
  }
}
