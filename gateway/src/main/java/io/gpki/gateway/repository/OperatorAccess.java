package io.gpki.gateway.repository;

import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * The role check in front of the repository's operator endpoints. The operations issue implements
 * it with mTLS client certificates and roles; until then {@link #flag} allows everything only when
 * {@code gpki.repository.operator-api-enabled=true} and denies otherwise.
 */
@FunctionalInterface
public interface OperatorAccess {

  /** Operator actions the repository asks about. */
  enum Action {
    /** Read the registered referrals. */
    READ_REFERRALS,
    /** Register, change or remove a referral. */
    MANAGE_REFERRALS,
    /** Read the access statistics report. */
    READ_ACCESS_REPORT
  }

  /** Whether the request may perform the action. */
  Mono<Boolean> allowed(ServerRequest request, Action action);

  /** The interim check: a configuration flag. */
  static OperatorAccess flag(boolean enabled) {
    return (request, action) -> Mono.just(enabled);
  }
}
