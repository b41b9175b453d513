/** Test fixtures other modules reuse through this module's test-jar. */
@NullMarked
package io.gpki.sync.testing;

import org.jspecify.annotations.NullMarked;
