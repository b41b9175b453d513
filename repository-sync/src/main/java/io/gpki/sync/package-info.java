/**
 * The store's API: narrow read and write ports, records, and the ordered change log every mutation
 * appends to.
 */
@NullMarked
package io.gpki.sync;

import org.jspecify.annotations.NullMarked;
