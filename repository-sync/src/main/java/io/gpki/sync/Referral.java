package io.gpki.sync;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A registered DN subtree of an external CA whose repository stays with that CA: lookups under it
 * are answered with a referral (LDAP) or a redirect (HTTP) instead of data.
 *
 * @param id short id used in the operator API, e.g. {@code partner-ca}
 * @param baseDn the subtree's base DN (RFC 4514)
 * @param baseDnKey the normalised DN (RFC 4518 matching), unique across referrals
 * @param ldapUrl where LDAP clients are referred, e.g. {@code ldap://ldap.partner.example:389}
 * @param httpUrl where HTTP clients are redirected (an LDAP-over-HTTP base), or {@code null}
 * @param createdAt registration time
 * @param updatedAt last change
 */
public record Referral(
    String id,
    String baseDn,
    String baseDnKey,
    String ldapUrl,
    @Nullable String httpUrl,
    Instant createdAt,
    Instant updatedAt) {}
