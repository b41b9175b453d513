/** R2DBC implementations of the store ports and the Flyway migrations that own the schema. */
@NullMarked
package io.gpki.sync.store;

import org.jspecify.annotations.NullMarked;
