package io.gpki.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the gpki-gateway: the reactive front tier of the bridge-CA PKI. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

  /**
   * Starts the gateway, or runs one of its command-line tools when the first argument names it:
   * {@code lra issue|revoke|status|feed ...} (the LRA client), {@code dr
   * status|failover|approve|unfence ...} (the DR operators' client) or {@code audit-verify ...}
   * (the audit chain verifier).
   */
  public static void main(String[] args) throws Exception {
    String[] rest = args.length == 0 ? args : java.util.Arrays.copyOfRange(args, 1, args.length);
    if (args.length > 0 && args[0].equals("lra")) {
      io.gpki.gateway.registration.LraClient.main(rest);
      return;
    }
    if (args.length > 0 && args[0].equals("dr")) {
      io.gpki.gateway.operations.DrCli.main(rest);
      return;
    }
    if (args.length > 0 && args[0].equals("audit-verify")) {
      io.gpki.gateway.operations.AuditVerify.main(rest);
      return;
    }
    SpringApplication.run(GatewayApplication.class, args);
  }
}
