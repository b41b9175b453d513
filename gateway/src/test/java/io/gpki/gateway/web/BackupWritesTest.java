package io.gpki.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.ErrorType;
import io.gpki.sync.StoreException;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * At a backup, writes answer 503 backup-center naming the master; reads pass; the store's refusal
 * maps alike.
 */
class BackupWritesTest {

  private final RouterFunction<ServerResponse> routes =
      RouterFunctions.route()
          .GET("/api/v1/lra/requests/{id}", r -> ServerResponse.ok().bodyValue("held"))
          .POST("/api/v1/lra/requests", r -> ServerResponse.accepted().bodyValue("accepted"))
          .build()
          .filter(BackupWrites.filter("center-a", "https://center-a.example:9443"));

  private final WebTestClient client = WebTestClient.bindToRouterFunction(routes).build();

  @Test
  void aWriteAnswers503NamingTheMasterCenter() {
    client
        .post()
        .uri("/api/v1/lra/requests")
        .contentType(MediaType.APPLICATION_JSON)
        .bodyValue("{}")
        .exchange()
        .expectStatus()
        .isEqualTo(503)
        .expectHeader()
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .expectHeader()
        .exists("Retry-After")
        .expectBody()
        .jsonPath("$.type")
        .isEqualTo("urn:gpki:problem:backup-center")
        .jsonPath("$.detail")
        .value(d -> assertThat((String) d).contains("center-a").contains("center-a.example"));
  }

  @Test
  void aReadPasses() {
    client
        .get()
        .uri("/api/v1/lra/requests/r1")
        .exchange()
        .expectStatus()
        .isOk()
        .expectBody(String.class)
        .isEqualTo("held");
  }

  @Test
  void writesPassOnceTheCenterIsNoLongerABackup() {
    java.util.concurrent.atomic.AtomicBoolean backup =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    WebTestClient promotable =
        WebTestClient.bindToRouterFunction(
                RouterFunctions.route()
                    .POST(
                        "/api/v1/lra/requests",
                        r -> ServerResponse.accepted().bodyValue("accepted"))
                    .build()
                    .filter(BackupWrites.filter("center-a", "https://a:9443", backup::get)))
            .build();
    promotable.post().uri("/api/v1/lra/requests").exchange().expectStatus().isEqualTo(503);
    backup.set(false); // a failover promoted this center
    promotable
        .post()
        .uri("/api/v1/lra/requests")
        .exchange()
        .expectStatus()
        .isEqualTo(202)
        .expectBody(String.class)
        .isEqualTo("accepted");
  }

  @Test
  void theStoresRefusalIsTheSameProblemWithItsDetailShown() {
    Problems.Problem p =
        Problems.of(new StoreException.ReadOnly("this center is not the master: LRA x"));
    assertThat(p.type()).isEqualTo(ErrorType.BACKUP_CENTER);
    assertThat(p.status()).isEqualTo(503);
    assertThat(p.detail()).contains("not the master");
  }
}
