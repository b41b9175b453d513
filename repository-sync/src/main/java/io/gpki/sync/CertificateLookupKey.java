package io.gpki.sync;

/**
 * One RFC 4387 lookup key of a certificate.
 *
 * @param attribute the attribute in lower case ({@code certhash}, {@code ihash}, {@code shash},
 *     {@code iandshash}, {@code skidhash}, {@code name}, {@code cn}, {@code email}, {@code uri})
 * @param value the canonical value the gateway's query parser produces for it
 */
public record CertificateLookupKey(String attribute, String value) {}
