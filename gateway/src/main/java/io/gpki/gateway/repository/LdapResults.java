package io.gpki.gateway.repository;

import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.Entry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/** Attribute selection over directory entries and the LDAP-over-HTTP answer formats. */
final class LdapResults {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private LdapResults() {}

  /**
   * The selected attributes of one entry.
   *
   * @param node the entry
   * @param attributes the selected attributes, in entry order
   */
  record EntryValues(Directory.Node node, List<Attribute> attributes) {}

  /** Selects the requested attributes (all user attributes when none are named). */
  static List<EntryValues> select(List<Directory.Node> nodes, List<String> requested) {
    List<EntryValues> out = new ArrayList<>(nodes.size());
    for (Directory.Node n : nodes) {
      out.add(new EntryValues(n, attributes(n.entry(), requested)));
    }
    return out;
  }

  /**
   * The attributes of an entry that a request names: a name matches an attribute with the same base
   * name (case-insensitive) when the attribute carries every option the request names ({@code
   * cACertificate} and {@code cACertificate;binary} both match the stored {@code
   * cACertificate;binary}). {@code 1.1} selects none.
   */
  static List<Attribute> attributes(Entry e, List<String> requested) {
    if (requested.isEmpty() || requested.contains("*")) {
      return List.copyOf(e.getAttributes());
    }
    List<Attribute> out = new ArrayList<>();
    for (Attribute a : e.getAttributes()) {
      for (String r : requested) {
        if (matches(a, r) && !out.contains(a)) {
          out.add(a);
        }
      }
    }
    return out;
  }

  private static boolean matches(Attribute a, String requested) {
    String[] parts = requested.toLowerCase(Locale.ROOT).split(";");
    if (!a.getBaseName().equalsIgnoreCase(parts[0])) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      if (!a.hasOption(parts[i])) {
        return false;
      }
    }
    return true;
  }

  /** The one pre-encoded binary value when the answer is exactly one, else {@code null}. */
  static @Nullable Published single(List<EntryValues> values) {
    if (values.size() != 1 || values.get(0).attributes().size() != 1) {
      return null;
    }
    Attribute a = values.get(0).attributes().get(0);
    if (!a.hasOption("binary") || a.size() != 1) {
      return null;
    }
    List<Published> p = values.get(0).node().binary().get(a.getBaseName().toLowerCase(Locale.ROOT));
    return p == null || p.size() != 1 ? null : p.get(0);
  }

  /**
   * The JSON container: {@code {"entries":[{"dn":..,"attributes":{"name;binary":[base64..],
   * "objectClass":["top",..]}}]}}; binary values base64 (RFC 4648 section 4), others as strings.
   */
  static byte[] json(List<EntryValues> values) {
    List<Map<String, Object>> entries = new ArrayList<>();
    for (EntryValues v : values) {
      Map<String, Object> attrs = new LinkedHashMap<>();
      for (Attribute a : v.attributes()) {
        List<String> vals = new ArrayList<>();
        for (byte[] b : a.getValueByteArrays()) {
          vals.add(
              a.hasOption("binary")
                  ? Base64.getEncoder().encodeToString(b)
                  : new String(b, StandardCharsets.UTF_8));
        }
        attrs.put(a.getName(), vals);
      }
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("dn", v.node().dn().toString());
      e.put("attributes", attrs);
      entries.add(e);
    }
    return MAPPER.writeValueAsBytes(Map.of("entries", entries));
  }
}
