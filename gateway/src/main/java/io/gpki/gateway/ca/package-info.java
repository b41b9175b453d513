@NullMarked
package io.gpki.gateway.ca;

import org.jspecify.annotations.NullMarked;
