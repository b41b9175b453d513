/**
 * Replication to the backup center: the hash-chained change log streamed over mutual TLS, verified
 * and applied with its bookmark.
 */
@NullMarked
package io.gpki.sync.replication;

import org.jspecify.annotations.NullMarked;
