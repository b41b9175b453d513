package io.gpki.gateway.registration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * LRA intake settings under {@code gpki.registration.*}; every key has a safe default.
 *
 * @param enabled run the mutual-TLS LRA listener and the journal worker
 * @param port the LRA listener's port (0 picks a free one)
 * @param bindAddress the LRA listener's address
 * @param serverNames DNS names in the listener's server certificate (issued by {@code trustCa})
 * @param trustCa the CA whose certificates LRA and operator clients present
 * @param maxBodyBytes largest accepted request body
 * @param workerBatch requests the worker takes per round
 * @param pollInterval how often the worker looks for work when nothing woke it
 * @param defaultValidity certificate lifetime when a request names none
 * @param maxValidity longest certificate lifetime a request may ask for
 * @param signedAtSkew how far a request's signedAt may differ from now
 * @param demoLra create the demo LRA and its operator credentials on first start (with the demo
 *     PKI)
 * @param calendar service hours of issuance (off by default)
 * @param serverKeyProfiles profiles for which an LRA may ask the gateway to generate the key (no
 *     CSR); by default only USER_SIGNING (see docs/registration.md for why not the others)
 * @param serverKeyIterations PBKDF2-HMAC-SHA256 and MAC iterations of a server-generated key's
 *     PKCS#12
 */
@Validated
@ConfigurationProperties("gpki.registration")
public record RegistrationProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("8443") @Min(0) @Max(65535) int port,
    @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
    @DefaultValue("localhost") List<String> serverNames,
    @DefaultValue("osca") @NotBlank String trustCa,
    @DefaultValue("65536") @Min(1024) int maxBodyBytes,
    @DefaultValue("32") @Min(1) int workerBatch,
    @DefaultValue("1s") Duration pollInterval,
    @DefaultValue("730d") Duration defaultValidity,
    @DefaultValue("1825d") Duration maxValidity,
    @DefaultValue("10m") Duration signedAtSkew,
    @DefaultValue("true") boolean demoLra,
    @DefaultValue ServiceCalendar calendar,
    @DefaultValue("USER_SIGNING") List<String> serverKeyProfiles,
    @DefaultValue("600000") @Min(100000) int serverKeyIterations) {}
