package io.gpki.gateway.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
                    location -> !location.contains("/test-classes/") && !location.contains("-tests.jar"))
            .importPackages("io.gpki");
  }

  @Test
  void gatewayUsesOnlyTheSignerAndStoreApis() {
    noClasses().that().resideInAPackage("io.gpki.gateway..")
        .should().dependOnClassesThat()
        .resideInAnyPackage("io.gpki.signer.keystore..", "io.gpki.signer.pkcs11..", "io.gpki.sync.store..")
        .because("the gateway talks to the signer through CaSigner and to the store through its root API")
        .check(main);
  }

  @Test
  void signerAndStoreDoNotKnowEachOtherOrTheGateway() {
    noClasses().that().resideInAPackage("io.gpki.signer..")
        .should().dependOnClassesThat().resideInAnyPackage("io.gpki.sync..", "io.gpki.gateway..")
        .check(main);
    noClasses().that().resideInAPackage("io.gpki.sync..")
        .should().dependOnClassesThat().resideInAnyPackage("io.gpki.signer..", "io.gpki.gateway..")
        .check(main);
  }

  @Test
  void productionCodeNeverBlocksOnAPublisher() {
    noClasses().should().callMethod(reactor.core.publisher.Mono.class, "block")
        .orShould().callMethod(reactor.core.publisher.Mono.class, "block", java.time.Duration.class)
        .orShould().callMethod(reactor.core.publisher.Flux.class, "blockFirst")
        .orShould().callMethod(reactor.core.publisher.Flux.class, "blockLast")
        .orShould().callMethod(reactor.core.publisher.Flux.class, "blockFirst", java.time.Duration.class)
        .orShould().callMethod(reactor.core.publisher.Flux.class, "blockLast", java.time.Duration.class)
        .because("block() belongs in tests and main only; STYLE.md reactive rules")
        .check(main);
  }

  @Test
  void requestDataDoesNotTravelInThreadLocals() {
    noClasses().that().resideInAPackage("io.gpki.gateway..")
        .should().dependOnClassesThat().areAssignableTo(ThreadLocal.class)
        .because("request-scoped data travels in the Reactor Context")
        .check(main);
  }
}
