/**
 * The validation service: path discovery through the bridge, RFC 5280 validation with policy
 * mapping, and CRL/OCSP revocation checks; read ports only.
 */
@NullMarked
package io.gpki.gateway.validation;

import org.jspecify.annotations.NullMarked;
