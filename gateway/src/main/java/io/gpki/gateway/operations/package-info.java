/**
 * The operators' API: two-person approvals of CA-critical and DR actions, the center status, the
 * audit log and its verifier.
 */
@NullMarked
package io.gpki.gateway.operations;

import org.jspecify.annotations.NullMarked;
