// LDAP load client (single-file Java, run with `java -cp unboundid-ldapsdk.jar LdapLoad.java`):
// N threads, each with its own connection, search base "<dn>" for one attribute in a loop for
// D seconds; prints searches/s and p50/p99 latency.
import com.unboundid.ldap.sdk.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class LdapLoad {
  public static void main(String[] a) throws Exception {
    String host = a[0]; int port = Integer.parseInt(a[1]); String base = a[2]; String attr = a[3];
    int threads = Integer.parseInt(a[4]); int seconds = Integer.parseInt(a[5]);
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    AtomicLong ok = new AtomicLong(), failed = new AtomicLong();
    List<long[]> lat = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      pool.submit(() -> {
        long[] samples = new long[4_000_000]; int n = 0;
        try (LDAPConnection c = new LDAPConnection(host, port)) {
          while (System.nanoTime() < end) {
            long s = System.nanoTime();
            SearchResult r = c.search(base, SearchScope.BASE, "(objectClass=*)", attr);
            if (r.getEntryCount() == 1) ok.incrementAndGet(); else failed.incrementAndGet();
            if (n < samples.length) samples[n++] = System.nanoTime() - s;
          }
        } catch (LDAPException e) { failed.incrementAndGet(); }
        lat.add(Arrays.copyOf(samples, n));
        return null;
      });
    }
    pool.shutdown();
    pool.awaitTermination(seconds + 30, TimeUnit.SECONDS);
    long[] all = lat.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    System.out.printf("searches_per_s=%.1f failed=%d p50_us=%d p99_us=%d%n", ok.get() / (double) seconds, failed.get(),
        all.length == 0 ? 0 : all[all.length / 2] / 1000, all.length == 0 ? 0 : all[(int) (all.length * 0.99)] / 1000);
  }
}
