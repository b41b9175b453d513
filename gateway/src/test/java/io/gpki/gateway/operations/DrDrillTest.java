package io.gpki.gateway.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The drill's command line and its two print forms; the drill itself runs in {@link TwoCentersIT}.
 */
class DrDrillTest {

  @Test
  void missingOptionsAreAUsageErrorReachedThroughDrCli() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        DrCli.run(
            new String[] {"drill", "--backup-url", "https://b:8543"},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("missing --backup-repository, --p12, --approver-p12, --trust")
        .contains("usage: gpki dr drill");
  }

  @Test
  void theFiguresPrintAsTextAndAsJson() {
    DrDrill.Figures f =
        new DrDrill.Figures(
            "center-b",
            1,
            2,
            105,
            "the master",
            103,
            "osca",
            BigInteger.ONE.shiftLeft(64).add(BigInteger.TEN),
            BigInteger.TWO.shiftLeft(64).add(BigInteger.ONE),
            Duration.ofMillis(1200),
            null,
            null,
            "a-1",
            "DONE",
            "center center-b is MASTER at epoch 2");
    assertThat(f.rpoRecords()).isEqualTo(2);
    assertThat(f.text())
        .contains("epoch 1 -> 2")
        .contains("master head seq 105 (the master), backup applied seq 103, RPO 2 record(s)")
        .contains("republished CRL of osca over HTTP at the backup: 1200 ms")
        .contains("first certificate issued at the backup: not reached");
    JsonNode j = JsonMapper.builder().build().readTree(f.json().toString());
    assertThat(j.get("rpo").get("records").asLong()).isEqualTo(2);
    assertThat(j.get("triggerToRepublishedCrlMs").asLong()).isEqualTo(1200);
    assertThat(j.get("triggerToFirstIssuanceMs").isNull()).isTrue();
    assertThat(new BigInteger(j.get("crlNumberAfter").asString()).shiftRight(64))
        .isEqualTo(BigInteger.TWO);
  }
}
