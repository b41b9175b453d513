@NullMarked
package io.gpki.sync.replication;

import org.jspecify.annotations.NullMarked;
