@NullMarked
package io.gpki.gateway.web;

import org.jspecify.annotations.NullMarked;
