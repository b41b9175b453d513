package io.gpki.sync;

/**
 * What an audit record says, before the log numbers, stamps and chains it. Never put a secret or
 * private key material here.
 *
 * @param type e.g. {@code LRA_REQUEST}, {@code REQUEST_DONE}, {@code AUTH_FAILURE}, {@code
 *     APPROVAL}
 * @param source where it came from (remote address, {@code worker}, {@code startup})
 * @param actor who did it (operator id, {@code system})
 * @param object what it concerns (request id, CA/serial, approval id)
 * @param outcome e.g. {@code ACCEPTED}, {@code DONE}, {@code REJECTED}, {@code DENIED}
 * @param detail a short free text
 */
public record AuditEvent(
    String type, String source, String actor, String object, String outcome, String detail) {}
