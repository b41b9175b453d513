/**
 * Properties records and bean wiring: the one place that holds the whole store and hands each
 * consumer only its ports.
 */
@NullMarked
package io.gpki.gateway.config;

import org.jspecify.annotations.NullMarked;
