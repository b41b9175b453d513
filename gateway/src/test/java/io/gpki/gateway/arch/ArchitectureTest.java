package io.gpki.gateway.arch;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.gpki.gateway.ca.BenchmarkSeed;
import io.gpki.gateway.ca.CaEngine;
import io.gpki.gateway.ca.CrlPublisher;
import io.gpki.gateway.ca.CrossCertification;
import io.gpki.gateway.ca.DemoPki;
import io.gpki.gateway.ca.KeyRollover;
import io.gpki.sync.CaWriter;
import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CertificateLookupBackfill;
import io.gpki.sync.CertificateStore;
import io.gpki.sync.CertificateWriter;
import io.gpki.sync.CrlLookup;
import io.gpki.sync.CrlWriter;
import io.gpki.sync.CrossPairWriter;
import io.gpki.sync.ReferralStore;
import io.gpki.sync.ReferralWriter;
import io.gpki.sync.RegistrationStores;
import io.gpki.sync.RepositoryStore;
import io.gpki.sync.RevocationWriter;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;

/** The module boundaries of STYLE.md, enforced on production classes of all three modules. */
class ArchitectureTest {

  private static JavaClasses main;

  @BeforeAll
  static void importClasses() {
    main =
        new ClassFileImporter()
            // Production classes only: the gateway's own and those of the signer and store jars.
            .withImportOption(
                (ImportOption)
                    location ->
                        !location.contains("/test-classes/") && !location.contains("-tests.jar"))
            .importPackages("io.gpki");
  }

  @Test
  void gatewayUsesOnlyTheSignerAndStoreApis() {
    noClasses()
        .that()
        .resideInAPackage("io.gpki.gateway..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.gpki.signer.keystore..", "io.gpki.signer.pkcs11..", "io.gpki.sync.store..")
        .because(
            "the gateway talks to the signer through CaSigner and to the store through its root API")
        .check(main);
  }

  @Test
  void signerAndStoreDoNotKnowEachOtherOrTheGateway() {
    noClasses()
        .that()
        .resideInAPackage("io.gpki.signer..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.gpki.sync..", "io.gpki.gateway..")
        .check(main);
    noClasses()
        .that()
        .resideInAPackage("io.gpki.sync..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.gpki.signer..", "io.gpki.gateway..")
        .check(main);
  }

  @Test
  void productionCodeNeverBlocksOnAPublisher() {
    noClasses()
        .should()
        .callMethod(reactor.core.publisher.Mono.class, "block")
        .orShould()
        .callMethod(reactor.core.publisher.Mono.class, "block", java.time.Duration.class)
        .orShould()
        .callMethod(reactor.core.publisher.Flux.class, "blockFirst")
        .orShould()
        .callMethod(reactor.core.publisher.Flux.class, "blockLast")
        .orShould()
        .callMethod(reactor.core.publisher.Flux.class, "blockFirst", java.time.Duration.class)
        .orShould()
        .callMethod(reactor.core.publisher.Flux.class, "blockLast", java.time.Duration.class)
        .because("block() belongs in tests and main only; STYLE.md reactive rules")
        .check(main);
  }

  @Test
  void requestDataDoesNotTravelInThreadLocals() {
    noClasses()
        .that()
        .resideInAPackage("io.gpki.gateway..")
        .should()
        .dependOnClassesThat()
        .areAssignableTo(ThreadLocal.class)
        .because("request-scoped data travels in the Reactor Context")
        .check(main);
  }

  /** The read tier: what a backup center serves from a store it must not write. */
  private static final String[] READ_TIER = {
    "io.gpki.gateway.repository..", "io.gpki.gateway.ocsp..", "io.gpki.gateway.validation.."
  };

  /**
   * Every port of the store that writes. Listed by hand: a new writer port joins this list. (The
   * per-instance access totals that {@code repository.AccessStatistics} records are statistics, not
   * repository content: no change log, no replication, so {@code AccessTotals} is not listed.)
   */
  private static final List<Class<?>> WRITER_PORTS =
      List.of(
          CertificateWriter.class,
          RevocationWriter.class,
          CrlWriter.class,
          CaWriter.class,
          CrossPairWriter.class,
          ReferralWriter.class,
          CertificateLookupBackfill.class);

  @Test
  void gatewayPackagesHaveNoCycles() {
    // Slices are the feature packages (web, repository, validation, ocsp, ...); the root package
    // (ErrorType, PkiException, BackgroundLoop) belongs to none and may be used by all. No cycle
    // today,
    // so no frozen exceptions.
    slices()
        .matching("io.gpki.gateway.(*)..")
        .should()
        .beFreeOfCycles()
        .because(
            "features depend one way (STYLE.md layout); a cycle means a type is in the wrong package")
        .check(main);
  }

  /**
   * A writer port, or anything that is one too: the combined interfaces and the implementations.
   */
  private static DescribedPredicate<JavaClass> writerPorts() {
    DescribedPredicate<JavaClass> writer = DescribedPredicate.alwaysFalse();
    for (Class<?> port : WRITER_PORTS) {
      writer = writer.or(assignableTo(port));
    }
    return writer.as("are writer ports of the store " + WRITER_PORTS);
  }

  @Test
  void theWriterPredicateSeesEveryWayToWrite() {
    DescribedPredicate<JavaClass> writer = writerPorts();
    assertThat(writer.test(main.get(CertificateStore.class))).isTrue();
    assertThat(writer.test(main.get(ReferralStore.class))).isTrue();
    assertThat(writer.test(main.get("io.gpki.sync.store.R2dbcRepositoryStore"))).isTrue();
    assertThat(writer.test(main.get(CertificateLookup.class))).isFalse();
    assertThat(writer.test(main.get(CrlLookup.class))).isFalse();
  }

  @Test
  void theReadTierHoldsNoWriterPort() {
    noClasses()
        .that()
        .resideInAnyPackage(READ_TIER)
        .should()
        .dependOnClassesThat(writerPorts())
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(RepositoryStore.class, RegistrationStores.class)
        // Nor the CA tier's writers, which would write on its behalf (the OCSP responder's own
        // certificates come through its narrow ResponderCertificates port instead).
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(
            CaEngine.class,
            CrlPublisher.class,
            KeyRollover.class,
            CrossCertification.class,
            DemoPki.class,
            BenchmarkSeed.class)
        .because(
            "the read tier holds read ports only (STYLE.md Boundaries): a backup center's read tier"
                + " then cannot write by construction")
        .check(main);
  }

  @Test
  void onlyTheWiringHoldsTheStoreFacade() {
    noClasses()
        .that()
        .resideInAPackage("io.gpki.gateway..")
        .and()
        .resideOutsideOfPackage("io.gpki.gateway.config..")
        .and()
        .areNotAnnotatedWith(Configuration.class)
        .should()
        .dependOnClassesThat()
        .belongToAnyOf(RepositoryStore.class)
        .because(
            "each caller gets its own small interface, not the catch-all store (STYLE.md Boundaries)")
        .check(main);
  }
}
