package io.gpki.gateway.operations;

import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Operator-side settings under {@code gpki.operations.*}.
 *
 * @param auditSealInterval how often the audit chain head is sealed (signed) when it moved
 * @param auditKeyId the signer key id of the audit key (generated on first start)
 * @param approvalTtl how long a two-person request waits for its approval
 * @param actionPollInterval how often the executor of approved CA actions looks for work nobody
 *     woke it for
 */
@Validated
@ConfigurationProperties("gpki.operations")
public record OperationsProperties(
    @DefaultValue("60s") Duration auditSealInterval,
    @DefaultValue("audit-g1") @NotBlank String auditKeyId,
    @DefaultValue("1h") Duration approvalTtl,
    @DefaultValue("5s") Duration actionPollInterval) {}
