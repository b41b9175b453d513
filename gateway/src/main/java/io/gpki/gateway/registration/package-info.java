@NullMarked
package io.gpki.gateway.registration;

import org.jspecify.annotations.NullMarked;
