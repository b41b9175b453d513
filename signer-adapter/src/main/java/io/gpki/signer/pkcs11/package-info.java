@NullMarked
package io.gpki.signer.pkcs11;

import org.jspecify.annotations.NullMarked;
