/**
 * The CA engine: certificates, CRL/ARL publication with epoch-major numbers, key rollover,
 * cross-certification and the demo PKI.
 */
@NullMarked
package io.gpki.gateway.ca;

import org.jspecify.annotations.NullMarked;
