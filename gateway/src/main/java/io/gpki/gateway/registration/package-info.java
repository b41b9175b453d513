/**
 * LRA intake over mutual TLS: format check, the durable journal and its worker, server-generated
 * keys, notifications and the LRA client.
 */
@NullMarked
package io.gpki.gateway.registration;

import org.jspecify.annotations.NullMarked;
