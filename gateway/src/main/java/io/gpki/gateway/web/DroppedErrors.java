package io.gpki.gateway.web;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Hooks;

/**
 * Reactor's hook for errors that arrive after a sequence ended. A client that stalls its body gets
 * its 408 from the first {@code ReadTimeoutException}; Reactor Netty then signals the same timeout
 * once more to the finished request, which Reactor's default hook logs as an ERROR. That second
 * copy is logged at DEBUG here; every other dropped error is logged at ERROR, as by the default
 * hook.
 */
@Component
public class DroppedErrors {

  private static final Logger LOG = LoggerFactory.getLogger(DroppedErrors.class);
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();

  public DroppedErrors() {
    install();
  }

  /** Installs the hook once per JVM (Reactor hooks are global). */
  static void install() {
    if (INSTALLED.compareAndSet(false, true)) {
      Hooks.onErrorDropped(DroppedErrors::dropped);
    }
  }

  static void dropped(Throwable e) {
    if (Problems.readTimeout(e)) {
      LOG.debug("read timeout signalled again after the request was answered: {}", e.toString());
    } else {
      LOG.error("Operator called default onErrorDropped", e);
    }
  }
}
