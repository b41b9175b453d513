package io.gpki.gateway.registration;

import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper of registration and operations, warmed up when the class loads: Jackson
 * builds its (de)serializer caches under a lock on first use, which must not happen on an event
 * loop.
 */
public final class RegistrationJson {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  static {
    MAPPER.writeValueAsBytes(MAPPER.readTree("{\"a\":[1,\"b\",true,null,{\"c\":1.5}]}"));
    MAPPER.writeValueAsString(MAPPER.createObjectNode().put("a", "b"));
    String warm =
        MAPPER.createObjectNode().put("a", 1).toString(); // JsonNode.toString has its own writer
    assert !warm.isEmpty();
  }

  private RegistrationJson() {}

  /** The shared, warmed-up mapper. */
  public static JsonMapper mapper() {
    return MAPPER;
  }
}
