package io.gpki.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.gpki.gateway.repository.RepositoryInterfaces;
import io.gpki.gateway.validation.ValidationHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every HTTP endpoint of the repository lookup interfaces, the validation service and the OCSP
 * responder is documented in {@code docs/openapi/}, and the validation request documents every
 * field the handler reads.
 */
class OpenApiCoverageTest {

  private static final Path OPENAPI = Path.of("..", "docs", "openapi");
  private static final Pattern PATH_LINE = Pattern.compile("(?m)^  (/\\S*):\\s*$");

  private static Set<String> documentedPaths() throws IOException {
    Set<String> paths = new LinkedHashSet<>();
    try (Stream<Path> files = Files.list(OPENAPI)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        Matcher m = PATH_LINE.matcher(Files.readString(f));
        while (m.find()) {
          paths.add(m.group(1));
        }
      }
    }
    return paths;
  }

  @Test
  void everyLookupValidationAndOcspEndpointIsDocumented() throws IOException {
    assertThat(documentedPaths())
        .contains(
            "/repository",
            RepositoryInterfaces.CERT_STORE,
            RepositoryInterfaces.CRL_STORE,
            RepositoryInterfaces.LDAP_HTTP + "/{dn}",
            RepositoryInterfaces.REFERRALS_API,
            RepositoryInterfaces.REFERRALS_API + "/{id}",
            RepositoryInterfaces.ACCESS_REPORT,
            ValidationHandler.PATH,
            ValidationHandler.PATH + "/batch",
            "/ocsp",
            "/ocsp/{request}");
  }

  @Test
  void theValidationRequestAndAnswerDocumentEveryFieldIncludingTheSignedVerdict()
      throws IOException {
    String spec = Files.readString(OPENAPI.resolve("validation.yaml"));
    for (String field :
        List.of(
            "certificate",
            "intermediates",
            "validationTime",
            "trustAnchor",
            "initialPolicies",
            "explicitPolicy",
            "inhibitPolicyMapping",
            "inhibitAnyPolicy",
            "sign",
            "testCenter",
            "trustAnchors",
            "crls",
            "status",
            "reasons",
            "path",
            "revocation",
            "validPolicies",
            "jws",
            "crlNumber",
            "thisUpdate",
            "nextUpdate",
            "revocationReason",
            "revocationDate",
            "source")) {
      assertThat(spec).as(field).containsPattern("(?m)^\\s+" + field + ":");
    }
    assertThat(spec).contains("{name: sign, in: query");
  }
}
