@NullMarked
package io.gpki.signer.keystore;

import org.jspecify.annotations.NullMarked;
