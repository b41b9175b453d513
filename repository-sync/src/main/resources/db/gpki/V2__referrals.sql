-- Referrals, version 2. Owned by repository-sync (store package, R2dbcReferralStore). Additive only.
-- A registered DN subtree of an external cross-certified CA whose repository stays with that CA:
-- LDAP lookups under the subtree answer a referral to ldap_url, HTTP lookups a redirect to http_url.
CREATE TABLE referral (
    id          text        PRIMARY KEY,
    base_dn     text        NOT NULL,          -- RFC 4514, as registered
    base_dn_key text        NOT NULL UNIQUE,   -- RFC 4518-normalised form: one referral per subtree
    ldap_url    text        NOT NULL,          -- e.g. ldap://ldap.partner.example:389
    http_url    text,                          -- e.g. https://repo.partner.example/ldap (LDAP-over-HTTP base)
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
