@NullMarked
package io.gpki.gateway.ocsp;

import org.jspecify.annotations.NullMarked;
