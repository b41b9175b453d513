package io.gpki.sync.store;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/** A minimal JSON object writer for change-log payloads (flat objects of strings and numbers). */
final class Json {

  private final StringBuilder out = new StringBuilder(256).append('{');
  private boolean first = true;

  static Json object() {
    return new Json();
  }

  Json put(String key, @Nullable String value) {
    name(key);
    if (value == null) {
      out.append("null");
    } else {
      quote(value);
    }
    return this;
  }

  Json put(String key, long value) {
    name(key);
    out.append(value);
    return this;
  }

  Json put(String key, boolean value) {
    name(key);
    out.append(value);
    return this;
  }

  Json put(String key, @Nullable BigInteger value) {
    return put(key, value == null ? null : value.toString());
  }

  Json put(String key, @Nullable Instant value) {
    return put(key, value == null ? null : value.toString());
  }

  Json put(String key, byte @Nullable [] value) {
    return put(key, value == null ? null : Base64.getEncoder().encodeToString(value));
  }

  Json putNumber(String key, @Nullable Number value) {
    name(key);
    out.append(value == null ? "null" : value.toString());
    return this;
  }

  String build() {
    return out.append('}').toString();
  }

  private void name(String key) {
    if (!first) {
      out.append(',');
    }
    first = false;
    quote(key);
    out.append(':');
  }

  private void quote(String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
