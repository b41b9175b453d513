package io.gpki.gateway.repository;

import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable, pre-encoded view of what the repository publishes: keyed by request path, by RFC
 * 4387 search key, and as a directory tree. Built from one consistent store read and swapped
 * atomically; requests never query the database for anything in it.
 *
 * @param changeLogHead the change-log position it reflects
 * @param builtAt when it was built
 * @param byPath every published object by its URL path
 * @param lookups the RFC 4387 indexes
 * @param directory the LDAP view
 */
public record RepositorySnapshot(
    long changeLogHead,
    Instant builtAt,
    Map<String, Published> byPath,
    LookupIndex lookups,
    Directory directory) {

  /** The empty snapshot served before the first load completes. */
  public static RepositorySnapshot empty() {
    return new RepositorySnapshot(
        -1, Instant.EPOCH, Map.of(), LookupIndex.empty(), Directory.empty());
  }

  /** Whether a real load has happened. */
  public boolean loaded() {
    return changeLogHead >= 0;
  }

  /** The object at a path, or {@code null}. */
  public @Nullable Published get(String path) {
    return byPath.get(path);
  }
}
