/** The gpki-gateway application: the reactive front tier of a bridge-CA PKI. */
@NullMarked
package io.gpki.gateway;

import org.jspecify.annotations.NullMarked;
