/**
 * Centers, roles and epochs: fencing, the writer leader lock, CRL number reservation and promotion.
 */
@NullMarked
package io.gpki.sync.failover;

import org.jspecify.annotations.NullMarked;
