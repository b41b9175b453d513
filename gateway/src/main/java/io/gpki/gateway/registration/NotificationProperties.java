package io.gpki.gateway.registration;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Notification settings under {@code gpki.notifications.*}: signed webhooks to LRAs and mail to
 * subscribers. Nothing is sent until an LRA sets a webhook URL or {@code smtp.host} is set.
 *
 * @param enabled run the dispatchers and the expiry scan (events are written to the outbox
 *     regardless)
 * @param allowHttp accept {@code http://} webhook URLs (tests and development only; default https
 *     only)
 * @param timeout per delivery attempt (connect, response and mail transaction)
 * @param pollInterval how often the dispatchers look for due events when nothing woke them
 * @param batch events (webhooks: LRAs) per dispatcher round
 * @param initialBackoff wait after the first failed attempt
 * @param backoffMultiplier growth of the wait per further failure
 * @param maxBackoff longest wait between attempts
 * @param maxAge an event still undelivered this long after it was created is marked DEAD
 * @param expiringThresholds an {@code expiring} event goes out once per certificate and threshold
 *     when its notAfter is this close
 * @param expiryScanInterval how often certificates are checked against the thresholds
 * @param signingKeyId the webhook signing key in the signer (generated on first use)
 * @param signingCa the CA that certifies the signing key (its certificate travels in {@code x5c})
 * @param smtp the mail relay (off while {@code host} is empty)
 */
@Validated
@ConfigurationProperties("gpki.notifications")
public record NotificationProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("false") boolean allowHttp,
    @DefaultValue("10s") Duration timeout,
    @DefaultValue("1s") Duration pollInterval,
    @DefaultValue("16") @Min(1) @Max(1000) int batch,
    @DefaultValue("10s") Duration initialBackoff,
    @DefaultValue("2.0") @DecimalMin("1.0") double backoffMultiplier,
    @DefaultValue("1h") Duration maxBackoff,
    @DefaultValue("3d") Duration maxAge,
    @DefaultValue({"30d", "7d", "1d"}) @NotEmpty List<Duration> expiringThresholds,
    @DefaultValue("1h") Duration expiryScanInterval,
    @DefaultValue("notify-g1") @NotBlank String signingKeyId,
    @DefaultValue("osca") @NotBlank String signingCa,
    @DefaultValue Smtp smtp) {

  /**
   * The SMTP relay for subscriber mail.
   *
   * @param host relay host; empty = mail off (subscriber events are stored UNDELIVERABLE and
   *     counted)
   * @param port relay port
   * @param from sender address
   * @param starttls require STARTTLS
   * @param threads size of the bounded scheduler mail is sent on (the mail library blocks)
   */
  public record Smtp(
      @DefaultValue("") String host,
      @DefaultValue("25") @Min(1) @Max(65535) int port,
      @DefaultValue("gpki-gateway@localhost") @NotBlank String from,
      @DefaultValue("false") boolean starttls,
      @DefaultValue("2") @Min(1) @Max(16) int threads) {

    /** Whether mail is configured. */
    public boolean enabled() {
      return !host.isBlank();
    }
  }
}
