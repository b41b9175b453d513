package io.gpki.sync;

import java.time.Instant;
import java.util.List;

/**
 * A registered LRA (a ministry's registration authority).
 *
 * @param id short id
 * @param displayName name
 * @param caId the CA it registers for
 * @param subjectBaseDn RFC 4514 name every subject it asks for must lie under
 * @param allowedProfiles certificate profile names it may ask for
 * @param dnsSuffixes domains allowed in dNSName and rfc822Name SANs
 * @param allowedSources CIDR allowlist of client addresses; empty allows any
 * @param createdAt registration time
 */
public record LraRecord(
    String id,
    String displayName,
    String caId,
    String subjectBaseDn,
    List<String> allowedProfiles,
    List<String> dnsSuffixes,
    List<String> allowedSources,
    Instant createdAt) {}
