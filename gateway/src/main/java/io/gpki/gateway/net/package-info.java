/**
 * Outbound connections to targets named by others (URLs in certificates, LRA webhook URLs): one
 * lookup per connection, every address checked by the caller's policy before Netty connects, and
 * the connection made to exactly a checked address.
 */
@NullMarked
package io.gpki.gateway.net;

import org.jspecify.annotations.NullMarked;
