package io.gpki.signer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.gpki.signer.SignerException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

class ResilientCaSignerTest {

  private static final byte[] DATA = "tbs".getBytes(StandardCharsets.UTF_8);
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final List<ResilientCaSigner> signers = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeSigners() {
    signers.forEach(ResilientCaSigner::close);
  }

  private ResilientCaSigner signer(FakeKeySource... sources) {
    return signer(new KeySourceSpec.Resilience(WAIT, 4, 50f, Duration.ofMillis(200)), sources);
  }

  private ResilientCaSigner signer(KeySourceSpec.Resilience resilience, FakeKeySource... sources) {
    List<ResilientCaSigner.Binding> bindings =
        java.util.Arrays.stream(sources)
            .map(s -> new ResilientCaSigner.Binding(s, resilience))
            .toList();
    ResilientCaSigner signer = ResilientCaSigner.start(bindings);
    signers.add(signer);
    return signer;
  }

  private static Consumer<Throwable> kind(Kind kind) {
    return e ->
        assertThat(e)
            .isInstanceOfSatisfying(
                SignerException.class, se -> assertThat(se.kind()).isEqualTo(kind));
  }

  @Test
  void signsOnTheSourcesOwnSchedulerThreads() {
    FakeKeySource soft = new FakeKeySource("soft", 2, "ca-1");
    FakeKeySource hsm = new FakeKeySource("hsm", 2, "ca-2");
    ResilientCaSigner signer = signer(soft, hsm);

    StepVerifier.create(signer.sign("ca-1", "SHA256withECDSA", DATA))
        .assertNext(
            signature -> assertThat(signature).isEqualTo("ca-1".getBytes(StandardCharsets.UTF_8)))
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(signer.sign("ca-2", "SHA256withECDSA", DATA))
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);

    assertThat(soft.signThreads).singleElement().asString().startsWith("signer-soft-");
    assertThat(hsm.signThreads).singleElement().asString().startsWith("signer-hsm-");
  }

  @Test
  void slowSourceTimesOut() {
    FakeKeySource slow = new FakeKeySource("slow", 1, "ca-1");
    slow.delay = Duration.ofSeconds(3);
    ResilientCaSigner signer =
        signer(new KeySourceSpec.Resilience(Duration.ofMillis(150), 4, 50f, WAIT), slow);

    StepVerifier.create(signer.sign("ca-1", "SHA256withECDSA", DATA))
        .expectErrorSatisfies(kind(Kind.TIMEOUT))
        .verify(Duration.ofSeconds(2));
  }

  @Test
  void fullSourceFailsFastWithSaturated() throws Exception {
    FakeKeySource busy = new FakeKeySource("busy", 1, "ca-1");
    busy.gate = new CountDownLatch(1);
    // One running call plus one queued fill the bulkhead.
    ResilientCaSigner signer = signer(new KeySourceSpec.Resilience(WAIT, 1, 50f, WAIT), busy);
    CompletableFuture<byte[]> running = signer.sign("ca-1", "SHA256withECDSA", DATA).toFuture();
    CompletableFuture<byte[]> queued = signer.sign("ca-1", "SHA256withECDSA", DATA).toFuture();

    long start = System.nanoTime();
    StepVerifier.create(signer.sign("ca-1", "SHA256withECDSA", DATA))
        .expectErrorSatisfies(kind(Kind.SATURATED))
        .verify(WAIT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));

    busy.gate.countDown();
    assertThat(running.get(5, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(queued.get(5, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(busy.signThreads).allSatisfy(t -> assertThat(t).startsWith("signer-busy-"));
  }

  @Test
  void circuitOpensAfterFailuresAndRecoversAfterReset() {
    FakeKeySource flaky = new FakeKeySource("flaky", 1, "ca-1");
    ResilientCaSigner signer = signer(flaky);
    flaky.failing = true;

    for (int i = 0; i < 4; i++) {
      StepVerifier.create(signer.sign("ca-1", "SHA256withECDSA", DATA))
          .expectErrorSatisfies(kind(Kind.UNAVAILABLE))
          .verify(WAIT);
    }
    int callsBeforeOpen = flaky.signThreads.size();
    StepVerifier.create(signer.sign("ca-1", "SHA256withECDSA", DATA))
        .expectErrorSatisfies(
            e -> {
              kind(Kind.UNAVAILABLE).accept(e);
              assertThat(e).hasCauseInstanceOf(CallNotPermittedException.class);
            })
        .verify(WAIT);
    assertThat(flaky.signThreads)
        .as("open circuit does not call the source")
        .hasSize(callsBeforeOpen);
    StepVerifier.create(signer.health())
        .assertNext(
            h -> {
              assertThat(h.allUp()).isFalse();
              assertThat(h.sources().get(0).circuitState()).isEqualTo("OPEN");
            })
        .expectComplete()
        .verify(WAIT);

    flaky.failing = false;
    StepVerifier.create(
            Mono.defer(() -> signer.sign("ca-1", "SHA256withECDSA", DATA))
                .retryWhen(Retry.fixedDelay(50, Duration.ofMillis(50))))
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);

    // The trial call after OPEN reconnected the source before it signed.
    assertThat(flaky.events.subList(flaky.events.size() - 2, flaky.events.size()))
        .containsExactly("reset", "sign");
    StepVerifier.create(signer.health())
        .assertNext(
            h -> {
              assertThat(h.allUp()).isTrue();
              assertThat(h.sources().get(0).circuitState()).isEqualTo("CLOSED");
            })
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void rejectedRequestsDoNotOpenTheCircuit() {
    FakeKeySource source = new FakeKeySource("soft", 1, "ca-1");
    ResilientCaSigner signer = signer(source);
    for (int i = 0; i < 6; i++) {
      StepVerifier.create(signer.sign("ca-1", "NOPEwithNOTHING", DATA))
          .expectErrorSatisfies(kind(Kind.REJECTED))
          .verify(WAIT);
    }
    StepVerifier.create(signer.health())
        .assertNext(h -> assertThat(h.sources().get(0).circuitState()).isEqualTo("CLOSED"))
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void unknownKeyIdIsUnknownKey() {
    ResilientCaSigner signer = signer(new FakeKeySource("soft", 1, "ca-1"));
    StepVerifier.create(signer.sign("nope", "SHA256withECDSA", DATA))
        .expectErrorSatisfies(kind(Kind.UNKNOWN_KEY))
        .verify(WAIT);
    StepVerifier.create(signer.publicKey("nope"))
        .expectErrorSatisfies(kind(Kind.UNKNOWN_KEY))
        .verify(WAIT);
    StepVerifier.create(signer.hasKey("nope")).expectNext(false).expectComplete().verify(WAIT);
  }

  @Test
  void keyIdInTwoSourcesIsAStartupError() {
    FakeKeySource a = new FakeKeySource("a", 1, "ca-1");
    FakeKeySource b = new FakeKeySource("b", 1, "ca-2", "ca-1");
    assertThatThrownBy(() -> signer(a, b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ca-1")
        .hasMessageContaining("a and b");
  }

  @Test
  void generatedKeyIsRoutedToItsSource() {
    FakeKeySource soft = new FakeKeySource("soft", 1, "ca-1");
    FakeKeySource hsm = new FakeKeySource("hsm", 1);
    ResilientCaSigner signer = signer(soft, hsm);

    StepVerifier.create(signer.generateKey("hsm", "ca-new", KeySpec.EC_P256))
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);
    StepVerifier.create(signer.hasKey("ca-new")).expectNext(true).expectComplete().verify(WAIT);
    StepVerifier.create(signer.sign("ca-new", "SHA256withECDSA", DATA))
        .expectNextCount(1)
        .expectComplete()
        .verify(WAIT);
    assertThat(hsm.signThreads).singleElement().asString().startsWith("signer-hsm-");

    StepVerifier.create(signer.generateKey("soft", "ca-new", KeySpec.EC_P256))
        .expectErrorSatisfies(kind(Kind.REJECTED))
        .verify(WAIT);
    StepVerifier.create(signer.generateKey("nowhere", "ca-x", KeySpec.EC_P256))
        .expectErrorSatisfies(kind(Kind.REJECTED))
        .verify(WAIT);
    assertThat(soft.keys).containsExactly("ca-1");
  }

  /** A key source whose behaviour the test steers; records which thread did what. */
  static final class FakeKeySource implements KeySource {

    final String name;
    final int sessions;
    final Set<String> keys = ConcurrentHashMap.newKeySet();
    final List<String> signThreads = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile boolean failing;
    volatile Duration delay = Duration.ZERO;
    volatile @Nullable CountDownLatch gate;

    FakeKeySource(String name, int sessions, String... keys) {
      this.name = name;
      this.sessions = sessions;
      this.keys.addAll(List.of(keys));
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String type() {
      return "fake";
    }

    @Override
    public int maxConcurrency() {
      return sessions;
    }

    @Override
    public Set<String> keyIds() {
      return Set.copyOf(keys);
    }

    @Override
    public @Nullable PublicKey publicKey(String keyId) throws Exception {
      return keys.contains(keyId) ? newPublicKey() : null;
    }

    @Override
    public byte[] sign(String keyId, String algorithm, byte[] data) throws Exception {
      signThreads.add(Thread.currentThread().getName());
      events.add("sign");
      CountDownLatch g = gate;
      if (g != null) {
        g.await(10, TimeUnit.SECONDS);
      }
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis());
      }
      if (failing) {
        throw new IOException("token gone");
      }
      if (algorithm.startsWith("NOPE")) {
        throw new NoSuchAlgorithmException(algorithm);
      }
      return keyId.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public PublicKey generate(String keyId, KeySpec spec) throws Exception {
      keys.add(keyId);
      return newPublicKey();
    }

    @Override
    public void probe() throws Exception {
      if (failing) {
        throw new IOException("token gone");
      }
    }

    @Override
    public void reset() {
      events.add("reset");
    }

    @Override
    public void close() {}

    private static PublicKey newPublicKey() throws Exception {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      return generator.generateKeyPair().getPublic();
    }
  }
}
