package io.gpki.gateway.validation;

import java.time.Instant;
import java.util.List;

/**
 * A verdict with what the client needs to interpret it.
 *
 * @param outcome the outcome
 * @param anchorId the trust anchor used ({@code request} in test-center mode)
 * @param validationTime the validation time
 * @param fetchProblems external fetches that failed (URL: reason), explaining INDETERMINATE
 *     verdicts
 */
public record ValidationResult(
    Outcome outcome, String anchorId, Instant validationTime, List<String> fetchProblems) {}
