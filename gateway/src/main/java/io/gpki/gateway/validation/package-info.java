@NullMarked
package io.gpki.gateway.validation;

import org.jspecify.annotations.NullMarked;
