/** The PKCS#12 software key source, reached only through the CaSigner port. */
@NullMarked
package io.gpki.signer.keystore;

import org.jspecify.annotations.NullMarked;
