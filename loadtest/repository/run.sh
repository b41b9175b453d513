#!/bin/sh
# Repository read-path benchmark (not a test): gateway vs nginx-light serving the same bytes.
#
# Prerequisites: a running gateway at $GW (default http://127.0.0.1:8080) whose LDAP listener is at
# $LDAP_PORT (default 1389) and which was started with gpki.repository.benchmark-revocations=3000
# (a ~100 KB CRL for osca); wrk, nginx-light (/usr/sbin/nginx), curl, jq, a JDK.
#
#   ./loadtest/repository/run.sh            # 3 runs of every case, medians in results.txt
#
# Cases (wrk -t2 -c32 -d10s; then latency p50/p99 at about half of each case's median peak rate:
# wrk with a 1 ms pause per connection after each answer and as many connections as a 2 s calibration
# says reach the target; the achieved rate is reported with the latencies):
#   crl      100 KB CRL, gateway /repository/crl/osca.crl   vs nginx /osca.crl
#   rfc4387  ~1 KB certificate by certHash (RFC 4387)       vs nginx /ee.cer
#   ldaphttp ~1 KB certificate via LDAP over HTTP           vs nginx /ee.cer
#   ldap     LDAP searches/s (LdapLoad.java, 8 connections, 10 s)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
GW=${GW:-http://127.0.0.1:8080}
LDAP_PORT=${LDAP_PORT:-1389}
NGINX_PORT=${NGINX_PORT:-18081}
RUNS=${RUNS:-3}
DUR=${DUR:-10s}
OUT=${OUT:-$HERE/results.txt}
WORK=$(mktemp -d)
chmod 755 "$WORK" # nginx workers run as nobody: a 0700 folder would make every baseline answer a 403
NGINX_PID=
trap 'kill "$NGINX_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# 1. Fetch the bytes the gateway serves and find a ~1 KB certificate and its lookup URLs.
INDEX=$(curl -fsS "$GW/repository")
# (the index names public URLs; fetch the same paths from $GW)
EE_URL=$GW$(echo "$INDEX" | jq -r '.demo.endEntities[] | select(.issuerCa=="osca" and .expectedStatus=="VALID") | .url' | head -1 | sed 's#^https*://[^/]*##')
mkdir -p "$WORK/www" "$WORK/tmp"
curl -fsS "$GW/repository/crl/osca.crl" -o "$WORK/www/osca.crl"
curl -fsS "$EE_URL" -o "$WORK/www/ee.cer"
CERT_HASH=$(openssl dgst -sha1 -binary "$WORK/www/ee.cer" | base64 | tr -d '=' | sed 's/+/%2B/g; s#/#%2F#g')
SUBJECT=$(openssl x509 -inform DER -in "$WORK/www/ee.cer" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
SUBJECT_ENC=$(printf '%s' "$SUBJECT" | jq -sRr @uri)
CRL_PATH=/repository/crl/osca.crl
RFC_PATH="/certificates/search.cgi?certHash=$CERT_HASH"
LDAPHTTP_PATH="/ldap/$SUBJECT_ENC?userCertificate;binary"
echo "CRL bytes: $(wc -c < "$WORK/www/osca.crl"), certificate bytes: $(wc -c < "$WORK/www/ee.cer")"
for p in "$CRL_PATH" "$RFC_PATH" "$LDAPHTTP_PATH"; do
  curl -fsS "$GW$p" -o "$WORK/check"
done
cmp "$WORK/check" "$WORK/www/ee.cer"

# 2. nginx-light as a non-daemon with a temporary config.
sed "s#@DIR@#$WORK#g; s#@PORT@#$NGINX_PORT#g" "$HERE/nginx.conf.template" > "$WORK/nginx.conf"
/usr/sbin/nginx -c "$WORK/nginx.conf" -p "$WORK" &
NGINX_PID=$!
sleep 1
NG=http://127.0.0.1:$NGINX_PORT
# The baseline must serve the very bytes (a 403 or 404 page would be a much faster "baseline").
curl -fsS "$NG/osca.crl" | cmp - "$WORK/www/osca.crl"
curl -fsS "$NG/ee.cer" | cmp - "$WORK/www/ee.cer"

run() { # name url path connections [delay_ms] -> prints rps p50 p99
  line=$(WRK_DELAY_MS="${5:-0}" WRK_PATH="$3" wrk -t2 -c"$4" -d"$DUR" -s "$HERE/get.lua" "$2" | grep '^non200=')
  case "$line" in
    non200=0\ socket_errors=0\ *) echo "$1 c=$4 $line" ;;
    *) echo "$1: error answers, the run does not count: $line" >&2; exit 1 ;;
  esac
}
median_rps() { # name -> median rps of the peak runs so far
  grep "^$1 c=32 " "$OUT" | sed 's/.*rps=//' | sort -n | awk '{a[NR]=$1} END {print int(a[int((NR+1)/2)])}'
}
paced() { # name url path -> a run at about half the median peak
  half=$(( $(median_rps "$1") / 2 ))
  # Calibrate: what one paced connection achieves here (the 1 ms pause plus timer slop plus latency).
  per=$(WRK_DELAY_MS=1 WRK_PATH="$3" wrk -t2 -c8 -d2s -s "$HERE/get.lua" "$2" | sed -n 's/.*rps=//p' | awk '{print int($1 / 8)}')
  [ "${per:-0}" -ge 1 ] || per=1
  conns=$(( (half + per - 1) / per )); [ "$conns" -ge 2 ] || conns=2
  run "$1-half" "$2" "$3" "$conns" 1 | sed "s/\$/ target_rps=$half/"
}

: > "$OUT"
for i in $(seq 1 "$RUNS"); do
  run gateway-crl "$GW" "$CRL_PATH" 32 >> "$OUT"
  run nginx-crl "$NG" /osca.crl 32 >> "$OUT"
  run gateway-rfc4387 "$GW" "$RFC_PATH" 32 >> "$OUT"
  run gateway-ldaphttp "$GW" "$LDAPHTTP_PATH" 32 >> "$OUT"
  run nginx-cert "$NG" /ee.cer 32 >> "$OUT"
done
for i in $(seq 1 "$RUNS"); do
  paced gateway-crl "$GW" "$CRL_PATH" >> "$OUT"
  paced gateway-rfc4387 "$GW" "$RFC_PATH" >> "$OUT"
  paced gateway-ldaphttp "$GW" "$LDAPHTTP_PATH" >> "$OUT"
  paced nginx-crl "$NG" /osca.crl >> "$OUT"
  paced nginx-cert "$NG" /ee.cer >> "$OUT"
done

# 3. LDAP searches/s with a small UnboundID client.
JAR=$(find "$HOME/.m2/repository/com/unboundid/unboundid-ldapsdk" -name 'unboundid-ldapsdk-*.jar' | sort | tail -1)
BCA_DN=$(echo "$INDEX" | jq -r '.cas[] | select(.id=="bca") | .subject')
for i in $(seq 1 "$RUNS"); do
  java -cp "$JAR" "$HERE/LdapLoad.java" 127.0.0.1 "$LDAP_PORT" "$SUBJECT" "userCertificate;binary" 8 10 | sed 's/^/ldap-cert /' >> "$OUT"
  java -cp "$JAR" "$HERE/LdapLoad.java" 127.0.0.1 "$LDAP_PORT" "$BCA_DN" "certificateRevocationList;binary" 8 10 | sed 's/^/ldap-crl /' >> "$OUT"
done

# 4. Medians (per case: throughput, p50, p99).
echo "median of $RUNS runs:"
grep -v ' median ' "$OUT" | awk '{key=$1; if ($2 ~ /^c=/) key=key" "$2; for (i=2;i<=NF;i++) {split($i,kv,"="); if (kv[1]=="rps"||kv[1]=="searches_per_s"||kv[1]=="p50_us"||kv[1]=="p99_us") print key, kv[1], kv[2]}}' \
  | sort -k1,3 | awk '{k=$1" "$2" "$3; if ($2 !~ /^c=/) k=$1" "$2; v[k]=v[k]" "$NF} END {for (k in v) {n=split(v[k],a," "); asort(a); print k, "median", a[int((n+1)/2)]}}' \
  | sort | tee -a "$OUT"
