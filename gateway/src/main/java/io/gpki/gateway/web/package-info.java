/**
 * Routing, admission limits and the Netty fast path, and the one mapping of errors to RFC 9457
 * problem bodies.
 */
@NullMarked
package io.gpki.gateway.web;

import org.jspecify.annotations.NullMarked;
