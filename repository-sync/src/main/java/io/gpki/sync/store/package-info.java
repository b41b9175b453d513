@NullMarked
package io.gpki.sync.store;

import org.jspecify.annotations.NullMarked;
