/**
 * Embedded PostgreSQL: unpacks the server binaries shipped in a jar, creates a cluster in a local
 * folder, and runs it (as an unprivileged user when the JVM is root). Entry point: {@link
 * io.gpki.sync.EmbeddedDatabases}.
 */
@NullMarked
package io.gpki.sync.store.embedded;

import org.jspecify.annotations.NullMarked;
