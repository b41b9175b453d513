@NullMarked
package io.gpki.gateway;

import org.jspecify.annotations.NullMarked;
