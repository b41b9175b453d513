package io.gpki.gateway.registration;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which webhook URLs an LRA may register, with http and loopback off (the production default). */
class WebhookUrlTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "accepted/public name        | https://lra.example.go.jp/hooks/gpki |",
        "accepted/private address    | https://10.20.30.40:8443/hook        |",
        "refused/http                | http://lra.example.go.jp/hook        | must be https",
        "refused/credentials         | https://u:p@lra.example.go.jp/hook   | must not carry credentials",
        "refused/loopback v4         | https://127.0.0.1:8443/hook          | loopback",
        "refused/loopback v6         | https://[::1]/hook                   | loopback",
        "refused/localhost name      | https://localhost/hook               | loopback",
        "refused/link-local metadata | https://169.254.169.254/latest       | link-local",
        "refused/unspecified         | https://0.0.0.0/hook                 | unspecified",
        "refused/this network 0/8    | https://0.1.2.3/hook                 | unspecified",
        "refused/broadcast           | https://255.255.255.255/hook         | loopback",
        "refused/v4-mapped loopback  | https://[::ffff:127.0.0.1]/hook      | loopback",
        "refused/NAT64 metadata      | https://[64:ff9b::a9fe:a9fe]/hook    | link-local",
        "refused/no host             | https:///hook                        | has no host",
      })
  void productionDefaults(String outcome, String url, String refusal) {
    String answer = WebhookSender.refusal(url, false);
    if (refusal == null) {
      assertThat(answer).isNull();
    } else {
      assertThat(answer).contains(refusal);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"accepted in development/loopback over http, http://127.0.0.1:9000/hook"})
  void developmentAllowsLoopbackHttp(String outcome, String url) {
    assertThat(WebhookSender.refusal(url, true)).isNull();
  }
}
