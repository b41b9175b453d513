package io.gpki.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point of the gpki-gateway: the reactive front tier of the bridge-CA PKI. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class GatewayApplication {

  /** Starts the gateway. */
  public static void main(String[] args) {
    SpringApplication.run(GatewayApplication.class, args);
  }
}
