@NullMarked
package io.gpki.sync.failover;

import org.jspecify.annotations.NullMarked;
