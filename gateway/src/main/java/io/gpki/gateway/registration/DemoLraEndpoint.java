package io.gpki.gateway.registration;

import java.util.function.IntSupplier;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/v1/lra/demo} on the public listener: where the demo LRA's credentials are (paths
 * only, never a password) and where its listener is, so a tester starts from one document.
 */
public final class DemoLraEndpoint {

  /** The path. */
  public static final String PATH = "/api/v1/lra/demo";

  private static final JsonMapper JSON = RegistrationJson.mapper();

  private DemoLraEndpoint() {}

  /**
   * The {@code demo.lra} section of the repository index: this document's URL, the trust anchors
   * and each operator's credential files (paths only).
   */
  public static java.util.Map<String, Object> indexSection(DemoLra demo, String documentUrl) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("document", documentUrl);
    m.put("lra", DemoLra.LRA_ID);
    m.put("trustAnchors", demo.trustAnchorsFile().toString());
    m.put(
        "operators",
        demo.operators().stream()
            .map(
                o ->
                    java.util.Map.of(
                        "id",
                        o.id(),
                        "roles",
                        o.roles().toString(),
                        "pkcs12",
                        o.pkcs12().toString(),
                        "passwordFile",
                        o.passwordFile().toString()))
            .toList());
    return m;
  }

  /** The route. */
  public static RouterFunction<ServerResponse> route(
      DemoLra demo, IntSupplier port, String host, boolean enabled) {
    return RouterFunctions.route(
        RequestPredicates.GET(PATH),
        request -> {
          if (!enabled) {
            return ServerResponse.notFound().build();
          }
          ObjectNode b = JSON.createObjectNode();
          b.put("lra", DemoLra.LRA_ID);
          b.put("subjectBaseDn", DemoLra.BASE_DN);
          b.put("listening", port.getAsInt() > 0);
          b.put("requests", "https://" + host + ":" + port.getAsInt() + LraHandler.REQUESTS);
          b.put("trustAnchors", demo.trustAnchorsFile().toString());
          b.put(
              "signing",
              "CMS SignedData (application/cms) over the JSON request, by the TLS client's key");
          ArrayNode ops = b.putArray("operators");
          for (DemoLra.DemoOperator o : demo.operators()) {
            ObjectNode n = ops.addObject();
            n.put("id", o.id());
            n.put("lra", o.lraId().isEmpty() ? null : o.lraId());
            n.put("roles", o.roles().toString());
            n.put("pkcs12", o.pkcs12().toString());
            n.put("passwordFile", o.passwordFile().toString());
          }
          return ServerResponse.ok()
              .contentType(MediaType.APPLICATION_JSON)
              .bodyValue(JSON.writeValueAsBytes(b));
        });
  }
}
