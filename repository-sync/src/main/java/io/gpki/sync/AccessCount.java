package io.gpki.sync;

import java.time.LocalDate;

/**
 * Repository access totals of one (day, interface, kind, outcome).
 *
 * @param day the SLA day
 * @param iface the lookup interface
 * @param kind the object kind
 * @param outcome the outcome label
 * @param requests number of requests
 * @param responseNanos sum of their server-side response times
 */
public record AccessCount(
    LocalDate day, String iface, String kind, String outcome, long requests, long responseNanos) {}
