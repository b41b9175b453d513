package io.gpki.gateway.validation;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.retry.RetryRegistry;
import java.time.Clock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

/**
 * Builds the package-private parts of the validation service (fetcher, caches, OCSP client, engine)
 * for the configuration class, and owns the background CRL refresh.
 */
public final class ValidationWiring implements AutoCloseable {

  private final ValidationService service;
  private final Disposable refresh;

  public ValidationWiring(
      Supplier<RepositoryView.@Nullable Content> view, ValidationProperties props, Scheduler ldapScheduler, CircuitBreakerRegistry breakers,
      RetryRegistry retries, Clock clock, OwnOcsp ownOcsp) {
    UrlGuard guard = new UrlGuard(
        props.fetch().allowPrivateTargets(), UrlGuard.addresses(props.fetch().allowedPrivateAddresses()));
    Fetcher fetcher = new Fetcher(guard, props.fetch().timeout(), ldapScheduler, breakers, retries);
    RemoteCache cache = new RemoteCache(fetcher, props.fetch(), clock);
    this.service =
        new ValidationService(
            view, new ValidationEngine(
                props.discovery().limits(), props.ownOcsp() ? new OwnOcspEvidence(ownOcsp) : null), cache, new OcspClient(fetcher, clock), props);
    this.refresh = cache.startRefresh();
  }

  /** The service. */
  public ValidationService service() {
    return service;
  }

  @Override
  public void close() {
    refresh.dispose();
  }
}
