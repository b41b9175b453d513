/** The PKCS#11 key source (an HSM; SoftHSM2 in tests), reached only through the CaSigner port. */
@NullMarked
package io.gpki.signer.pkcs11;

import org.jspecify.annotations.NullMarked;
