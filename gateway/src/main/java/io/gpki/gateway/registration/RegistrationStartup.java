package io.gpki.gateway.registration;

import io.gpki.gateway.repository.RepositorySnapshots;
import io.gpki.sync.CertificateRecord;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Brings registration up once the PKI is (the first repository snapshot is loaded, so the demo PKI
 * exists): the demo LRA (first start only), the listener's server credential, the mutual-TLS
 * listener, then the journal worker, which first finishes whatever a crash left accepted.
 */
public final class RegistrationStartup
    implements ApplicationListener<ApplicationReadyEvent>, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RegistrationStartup.class);

  private final RegistrationProperties props;
  private final boolean demoEnabled;
  private final RepositorySnapshots snapshots;
  private final DemoLra demo;
  private final ServerCredential serverCredential;
  private final Enrolment enrolment;
  private final RegistrationListener listener;
  private final org.springframework.web.reactive.function.server.RouterFunction<
          org.springframework.web.reactive.function.server.ServerResponse>
      routes;
  private final JournalWorker worker;
  private final Scheduler blocking;
  private final Duration listWindow;
  private final Disposable.Composite running = Disposables.composite();
  private final Writers writers;

  /**
   * Where the journal worker runs: only while this replica may write (see the operations' writer
   * gate).
   */
  @FunctionalInterface
  public interface Writers {
    /**
     * Runs the writer while this replica may write; true now tells whether it may write at this
     * moment.
     */
    void run(String name, java.util.function.Supplier<Disposable> writer);

    /** Whether this node may write now (the demo LRA is created by a master only). */
    default boolean mayWrite() {
      return true;
    }
  }

  public RegistrationStartup(
      RegistrationProperties props,
      boolean demoEnabled,
      RepositorySnapshots snapshots,
      DemoLra demo,
      ServerCredential serverCredential,
      Enrolment enrolment,
      RegistrationListener listener,
      org.springframework.web.reactive.function.server.RouterFunction<
              org.springframework.web.reactive.function.server.ServerResponse>
          routes,
      JournalWorker worker,
      Scheduler blocking,
      Duration listWindow,
      Writers writers) {
    this.writers = writers;
    this.props = props;
    this.demoEnabled = demoEnabled;
    this.snapshots = snapshots;
    this.demo = demo;
    this.serverCredential = serverCredential;
    this.enrolment = enrolment;
    this.listener = listener;
    this.routes = routes;
    this.worker = worker;
    this.blocking = blocking;
    this.listWindow = listWindow;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    if (!props.enabled()) {
      return;
    }
    Mono<Void> pkiUp =
        Flux.interval(Duration.ZERO, Duration.ofMillis(250))
            .filter(t -> snapshots.current().loaded())
            .next()
            .then();
    running.add(
        pkiUp
            .then(
                demoEnabled && props.demoLra() && writers.mayWrite() ? demo.ensure() : Mono.empty())
            .then(serverCredential.ensure(props.trustCa(), props.serverNames()))
            .flatMap(
                credential ->
                    enrolment
                        .anchors(props.trustCa())
                        .map(RegistrationStartup::x509)
                        .collectList()
                        // At a backup the trust CA arrives by replication, possibly after the
                        // first snapshot: wait for it rather than fail for good.
                        .filter(anchors -> !anchors.isEmpty())
                        .repeatWhenEmpty(
                            tries ->
                                tries
                                    .doOnNext(
                                        n -> {
                                          if (n == 0) {
                                            LOG.info(
                                                "LRA listener waits for the certificates of {}",
                                                props.trustCa());
                                          }
                                        })
                                    .delayElements(Duration.ofMillis(250)))
                        .flatMap(
                            anchors ->
                                listener.start(
                                    props.bindAddress(),
                                    props.port(),
                                    credential,
                                    anchors,
                                    routes,
                                    blocking)))
            .subscribe(
                server -> {
                  LOG.info(
                      "LRA listener (mutual TLS, clients of {}) on https://{}:{}/api/v1/lra/requests",
                      props.trustCa(),
                      props.bindAddress(),
                      server.port());
                  writers.run(
                      "journal-worker", () -> worker.start(props.pollInterval(), listWindow));
                  running.add(followAnchors());
                },
                e -> LOG.error("LRA registration could not start", e)));
  }

  /**
   * While this center does not write (a backup, a fenced node), the trust CA's certificates arrive
   * by replication: whenever the repository snapshot moves, the listener trusts the current set.
   */
  private reactor.core.Disposable followAnchors() {
    return Flux.interval(Duration.ofSeconds(1))
        .onBackpressureDrop()
        .filter(t -> !writers.mayWrite())
        .map(t -> snapshots.current().changeLogHead())
        .distinctUntilChanged()
        .concatMap(
            head ->
                enrolment
                    .anchors(props.trustCa())
                    .map(RegistrationStartup::x509)
                    .collectList()
                    .flatMap(
                        anchors ->
                            Mono.fromCallable(() -> listener.updateTrustAnchors(anchors))
                                .subscribeOn(blocking)
                                .filter(Boolean::booleanValue)
                                .doOnNext(
                                    changed ->
                                        LOG.info(
                                            "LRA listener trusts {} certificate(s) of {} (replicated)",
                                            anchors.size(),
                                            props.trustCa())))
                    .onErrorResume(
                        e -> {
                          LOG.warn("LRA listener anchors not refreshed: {}", e.toString());
                          return Mono.empty();
                        }),
            1)
        .subscribe();
  }

  private static X509Certificate x509(CertificateRecord c) {
    return Pkcs12Files.x509(c.der());
  }

  /** The listener's port once started (-1 before). */
  public int port() {
    return listener.port();
  }

  /** Whether the listener and worker run. */
  public boolean started() {
    return listener.port() > 0;
  }

  @Override
  public void close() {
    running.dispose();
    listener.close();
  }

  /** Trust anchors as X.509 (for tests and the CLI). */
  static List<X509Certificate> anchors(List<CertificateRecord> records) {
    return records.stream().map(RegistrationStartup::x509).toList();
  }
}
