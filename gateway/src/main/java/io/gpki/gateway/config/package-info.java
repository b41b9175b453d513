@NullMarked
package io.gpki.gateway.config;

import org.jspecify.annotations.NullMarked;
