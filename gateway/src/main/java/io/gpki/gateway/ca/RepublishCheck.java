package io.gpki.gateway.ca;

import io.gpki.sync.CertificateLookup;
import io.gpki.sync.CrlRecord;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The checks a list reissued at a promotion must pass against the last list replicated from the
 * former master, before it is archived: a higher number, the same issuing distribution point, no
 * unexpired entry dropped, a nextUpdate not earlier (Dogtag's CRL number going backwards and CRLs
 * that dropped unexpired entries are the failures this prevents).
 */
final class RepublishCheck {

  private RepublishCheck() {}

  static Mono<CrlRecord> check(
      CertificateLookup certificates, CrlRecord last, CrlRecord candidate, Instant now) {
    return Mono.defer(
        () -> {
          String what = candidate.scope() + " of " + candidate.caId();
          if (candidate.number().compareTo(last.number()) <= 0) {
            return Mono.error(
                fail(
                    what,
                    "number "
                        + candidate.number()
                        + " is not above the replicated "
                        + last.number()));
          }
          if (candidate.nextUpdate().isBefore(last.nextUpdate())) {
            return Mono.error(
                fail(
                    what,
                    "nextUpdate "
                        + candidate.nextUpdate()
                        + " is before the replicated "
                        + last.nextUpdate()));
          }
          X509CRLHolder before = parse(last.der());
          X509CRLHolder after = parse(candidate.der());
          if (!Arrays.equals(idp(before), idp(after))) {
            return Mono.error(
                fail(what, "the issuing distribution point differs from the replicated list's"));
          }
          Set<BigInteger> kept = serials(after);
          Set<BigInteger> dropped = serials(before);
          dropped.removeAll(kept);
          // An entry may leave the list only once its certificate has expired (RFC 5280 3.3).
          return Flux.fromIterable(dropped)
              .concatMap(
                  serial ->
                      certificates
                          .find(candidate.caId(), serial.toString(16))
                          .map(
                              c ->
                                  c.notAfter().isAfter(now)
                                      ? Optional.of(serial.toString(16))
                                      : Optional.<String>empty())
                          // Unknown to the store: it cannot be shown to have expired.
                          .defaultIfEmpty(Optional.of(serial.toString(16) + " (not in the store)"))
                          .flatMap(Mono::justOrEmpty))
              .collectList()
              .flatMap(
                  unexpired ->
                      unexpired.isEmpty()
                          ? Mono.just(candidate)
                          : Mono.error(fail(what, "unexpired entries dropped: " + unexpired)));
        });
  }

  private static IllegalStateException fail(String what, String why) {
    return new IllegalStateException("republished " + what + " refused: " + why);
  }

  private static X509CRLHolder parse(byte[] der) {
    try {
      return new X509CRLHolder(der);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("not a CRL: " + e.getMessage(), e);
    }
  }

  private static byte[] idp(X509CRLHolder crl) {
    Extension e = crl.getExtension(Extension.issuingDistributionPoint);
    return e == null ? new byte[0] : e.getExtnValue().getOctets();
  }

  private static Set<BigInteger> serials(X509CRLHolder crl) {
    Set<BigInteger> out = new HashSet<>();
    for (Iterator<?> it = crl.getRevokedCertificates().iterator(); it.hasNext(); ) {
      out.add(((X509CRLEntryHolder) it.next()).getSerialNumber());
    }
    return out;
  }
}
