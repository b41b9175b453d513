/**
 * The CaSigner port: builds and signs certificates, CRLs and OCSP responses, behind a fence that
 * lets only the master at the current epoch sign.
 */
@NullMarked
package io.gpki.signer;

import org.jspecify.annotations.NullMarked;
