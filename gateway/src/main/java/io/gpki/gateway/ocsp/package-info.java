/**
 * The RFC 6960 OCSP responder: a chain of status sources (request filter, pre-signed cache,
 * repository, live signer) behind one handler.
 */
@NullMarked
package io.gpki.gateway.ocsp;

import org.jspecify.annotations.NullMarked;
