package io.gpki.gateway.operations;

import java.time.Duration;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import reactor.core.Disposable;
import reactor.core.Disposables;

/** Starts the audit follow-and-seal loop once the application is ready. */
public final class OperationsStartup
    implements ApplicationListener<ApplicationReadyEvent>, AutoCloseable {

  private final AuditSealer sealer;
  private final Duration interval;
  private final Disposable.Composite running = Disposables.composite();

  public OperationsStartup(AuditSealer sealer, Duration interval) {
    this.sealer = sealer;
    this.interval = interval;
  }

  @Override
  public void onApplicationEvent(ApplicationReadyEvent event) {
    running.add(sealer.start(interval));
  }

  @Override
  public void close() {
    running.dispose();
  }
}
