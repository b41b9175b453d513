package io.gpki.gateway.validation;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import io.gpki.gateway.net.TargetResolver;
import java.time.Clock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Builds the package-private parts of the validation service (fetcher, caches, OCSP client, engine)
 * for the configuration class, and owns the background CRL refresh.
 */
public final class ValidationWiring implements AutoCloseable {

  /** Threads for host-name lookups of fetches (the JDK resolver blocks); they queue beyond this. */
  private static final int RESOLVER_THREADS = 4;

  private final ValidationService service;
  private final Disposable refresh;
  private final Scheduler resolverScheduler;

  public ValidationWiring(
      Supplier<RepositoryView.@Nullable Content> view,
      ValidationProperties props,
      Scheduler ldapScheduler,
      CircuitBreakerRegistry breakers,
      RetryRegistry retries,
      Clock clock,
      OwnOcsp ownOcsp) {
    UrlGuard guard =
        new UrlGuard(
            props.fetch().allowPrivateTargets(),
            UrlGuard.addresses(props.fetch().allowedPrivateAddresses()));
    this.resolverScheduler = Schedulers.newBoundedElastic(RESOLVER_THREADS, 256, "validation-dns");
    Fetcher fetcher =
        new Fetcher(
            guard,
            TargetResolver.system(resolverScheduler),
            props.fetch().timeout(),
            ldapScheduler,
            breakers,
            retries);
    RemoteCache cache = new RemoteCache(fetcher, props.fetch(), clock);
    this.service =
        new ValidationService(
            view,
            new ValidationEngine(
                props.discovery().limits(), props.ownOcsp() ? new OwnOcspEvidence(ownOcsp) : null),
            cache,
            new OcspClient(fetcher, clock),
            props);
    this.refresh = cache.startRefresh();
  }

  /** The service. */
  public ValidationService service() {
    return service;
  }

  @Override
  public void close() {
    refresh.dispose();
    resolverScheduler.dispose();
  }
}
