package io.gpki.gateway.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * All gateway settings under {@code gpki.*}. Every key has a safe default so the gateway starts
 * with nothing configured (embedded database, demo PKI, software keys under {@code ./data}).
 *
 * @param dataDir where local state lives (embedded database, demo keystore)
 * @param publicBaseUrl the HTTP base URL named in certificates (CDP, AIA) and the repository index
 * @param ldapBaseUrl the LDAP base URL named in certificates' CRL distribution points
 * @param db the database
 * @param signer key sources and which CA uses which
 * @param crl CRL/ARL schedule
 * @param demo demo PKI bootstrap
 */
@Validated
@ConfigurationProperties("gpki")
public record GatewayProperties(
    @DefaultValue("./data") @NotNull Path dataDir,
    @DefaultValue("http://localhost:8080") @NotBlank String publicBaseUrl,
    @DefaultValue("ldap://localhost:1389") @NotBlank String ldapBaseUrl,
    @DefaultValue @Valid Db db,
    @DefaultValue @Valid Signer signer,
    @DefaultValue @Valid Crl crl,
    @DefaultValue @Valid Demo demo) {

  /**
   * Database settings. With no URL, an embedded PostgreSQL runs under {@code dataDir/db}.
   *
   * @param url external PostgreSQL URL ({@code postgresql://host:port/db}); env {@code GPKI_DB_URL}
   * @param user user name; env {@code GPKI_DB_USER}
   * @param passwordFile file holding the password; env {@code GPKI_DB_PASSWORD_FILE}
   * @param embeddedPort port of the embedded server (127.0.0.1 only)
   * @param poolSize R2DBC pool size
   */
  public record Db(
      @Nullable String url,
      @Nullable String user,
      @Nullable Path passwordFile,
      @DefaultValue("15432") @Min(1) int embeddedPort,
      @DefaultValue("16") @Min(1) int poolSize) {}

  /**
   * Key sources and the CA-to-source binding. With no sources configured, one PKCS#12 source named
   * {@code soft} lives under {@code dataDir/keys}.
   *
   * @param sources the key sources
   * @param caSources which source holds each CA's keys (CA id to source name); CAs not listed use
   *     {@code defaultSource}
   * @param defaultSource the source for CAs without an explicit binding
   */
  public record Signer(
      @DefaultValue List<@Valid Source> sources,
      @DefaultValue Map<String, String> caSources,
      @DefaultValue("soft") String defaultSource) {}

  /**
   * One key source.
   *
   * @param name source name
   * @param type {@code pkcs12} or {@code pkcs11}
   * @param path PKCS#12 file (pkcs12)
   * @param passwordFile PKCS#12 password file (pkcs12)
   * @param library PKCS#11 module path (pkcs11)
   * @param tokenLabel PKCS#11 token label (pkcs11)
   * @param pinFile PKCS#11 user PIN file (pkcs11)
   * @param sessions PKCS#11 session count, also the signing concurrency
   * @param callTimeout longest signing call
   */
  public record Source(
      @NotBlank String name,
      @NotBlank String type,
      @Nullable Path path,
      @Nullable Path passwordFile,
      @Nullable Path library,
      @Nullable String tokenLabel,
      @Nullable Path pinFile,
      @DefaultValue("4") @Min(1) int sessions,
      @DefaultValue("5s") Duration callTimeout) {}

  /**
   * CRL/ARL schedule. Lists are reissued every {@code period} even when nothing changed; each
   * list's nextUpdate is {@code thisUpdate + validity}, and validity must exceed period.
   *
   * @param period how often lists are reissued
   * @param validity nextUpdate minus thisUpdate
   * @param checkInterval how often the scheduler looks for due lists
   * @param revocationPublishDelay how soon after a revocation a new list is issued
   */
  public record Crl(
      @DefaultValue("1h") Duration period,
      @DefaultValue("2h") Duration validity,
      @DefaultValue("10s") Duration checkInterval,
      @DefaultValue("1s") Duration revocationPublishDelay) {

    public Crl {
      if (validity.compareTo(period) <= 0) {
        throw new IllegalArgumentException(
            "gpki.crl.validity ("
                + validity
                + ") must be longer than gpki.crl.period ("
                + period
                + ")");
      }
    }
  }

  /**
   * Demo PKI.
   *
   * @param enabled create the demo PKI on first start when the repository is empty
   */
  public record Demo(@DefaultValue("true") boolean enabled) {}
}
