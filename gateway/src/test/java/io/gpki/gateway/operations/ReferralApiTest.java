package io.gpki.gateway.operations;

import io.gpki.gateway.repository.OperatorAccess;
import io.gpki.gateway.repository.RepositoryInterfaces;
import io.gpki.sync.Referral;
import io.gpki.sync.ReferralStore;
import java.time.Clock;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunctions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The referral operator API: access, body validation, status codes (moved from the repository
 * tier).
 */
class ReferralApiTest {

  @Test
  void operatorApiIsDeniedByDefaultAndValidatesBodies() {
    ReferralStore none =
        new ReferralStore() {
          @Override
          public Mono<Referral> put(Referral referral) {
            return Mono.just(referral);
          }

          @Override
          public Mono<Boolean> delete(String id) {
            return Mono.just(false);
          }

          @Override
          public Flux<Referral> referrals() {
            return Flux.empty();
          }
        };
    WebTestClient denied =
        client(
            new ReferralApi(none, none, OperatorAccess.flag(false), Clock.systemUTC(), () -> {}));
    denied.get().uri(RepositoryInterfaces.REFERRALS_API).exchange().expectStatus().isForbidden();
    denied
        .delete()
        .uri(RepositoryInterfaces.REFERRALS_API + "/x")
        .exchange()
        .expectStatus()
        .isForbidden();
    WebTestClient allowed =
        client(new ReferralApi(none, none, OperatorAccess.flag(true), Clock.systemUTC(), () -> {}));
    for (String body :
        Set.of(
            "[]",
            "{\"id\":\"x\",\"baseDn\":\"C=JP\",\"ldapUrl\":\"http://wrong\"}",
            "{\"id\":\"Bad Id\",\"baseDn\":\"C=JP\",\"ldapUrl\":\"ldap://x\"}",
            "{\"id\":\"x\",\"ldapUrl\":\"ldap://x\"}")) {
      allowed
          .post()
          .uri(RepositoryInterfaces.REFERRALS_API)
          .bodyValue(body)
          .exchange()
          .expectStatus()
          .isBadRequest();
    }
    allowed
        .post()
        .uri(RepositoryInterfaces.REFERRALS_API)
        .bodyValue("{\"id\":\"p\",\"baseDn\":\"O=P,C=JP\",\"ldapUrl\":\"ldap://p.example\"}")
        .exchange()
        .expectStatus()
        .isCreated()
        .expectBody()
        .jsonPath("$.baseDn")
        .isEqualTo("O=P,C=JP");
    allowed
        .delete()
        .uri(RepositoryInterfaces.REFERRALS_API + "/p")
        .exchange()
        .expectStatus()
        .isNotFound();
  }

  private static WebTestClient client(ReferralApi api) {
    return WebTestClient.bindToRouterFunction(
            RouterFunctions.route()
                .GET(RepositoryInterfaces.REFERRALS_API, api::list)
                .POST(RepositoryInterfaces.REFERRALS_API, api::create)
                .DELETE(RepositoryInterfaces.REFERRALS_API + "/{id}", api::delete)
                .build())
        .build();
  }
}
