@NullMarked
package io.gpki.sync;

import org.jspecify.annotations.NullMarked;
