@NullMarked
package io.gpki.gateway.repository;

import org.jspecify.annotations.NullMarked;
