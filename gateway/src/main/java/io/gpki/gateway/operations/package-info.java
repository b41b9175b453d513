@NullMarked
package io.gpki.gateway.operations;

import org.jspecify.annotations.NullMarked;
