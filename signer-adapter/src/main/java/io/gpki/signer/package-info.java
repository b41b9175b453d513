@NullMarked
package io.gpki.signer;

import org.jspecify.annotations.NullMarked;
