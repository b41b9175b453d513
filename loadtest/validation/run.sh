#!/bin/sh
# Validation benchmark (not a test): our service over HTTP vs the JDK's PKIX CertPathValidator in
# process, same machine, same run, same path and CRLs.
#
# Prerequisites: a running gateway at $GW (default http://127.0.0.1:8080) with the demo PKI; wrk, curl,
# jq, openssl, a JDK; Bouncy Castle's bcprov jar at $BCPROV (for the "fresh" JDK case).
#
#   ./loadtest/validation/run.sh      # $RUNS (3) rounds; medians go into docs/performance.md
#
# Cases:
#   service      POST /api/v1/validations, EE -> private-demo -> bca -> osca, CRL-checked,
#                wrk -t2 -c32 -d$DUR; every answer must be 200 and VALID
#   latency      the same at ~1,000 requests/s ($LAT_CONNS=5 connections, 4 ms pause each): mean and p99
#   jdk-cached   JDK PKIX, 32 threads, EE decoded by the JDK factory (cached instance)
#   jdk-fresh    JDK PKIX, 32 threads, EE decoded by Bouncy Castle (no cache: every signature checked)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
GW=${GW:-http://127.0.0.1:8080}
RUNS=${RUNS:-3}
DUR=${DUR:-10s}
SECS=${SECS:-10}
# latency run: connections that each pause 4 ms after every answer (5 give about 1,000 requests/s)
LAT_CONNS=${LAT_CONNS:-5}
BCPROV=${BCPROV:-$(ls ~/.m2/repository/org/bouncycastle/bcprov-jdk18on/1.86/bcprov-jdk18on-1.86.jar)}
OUT=${OUT:-$HERE/results.txt}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# 1. The demo end-entity certificate behind the bridge, and the path our service uses for it.
INDEX=$(curl -fsS "$GW/repository")
EE_URL=$(echo "$INDEX" | jq -r '.demo.endEntities[] | select(.issuerCa=="private-demo" and .expectedStatus=="VALID") | .url' | head -1)
curl -fsS "$EE_URL" -o "$WORK/ee.der"
printf '{"certificate":"%s"}' "$(base64 -w0 < "$WORK/ee.der")" > "$WORK/body.json"
RESULT=$(curl -fsS -H 'Content-Type: application/json' --data-binary @"$WORK/body.json" "$GW/api/v1/validations")
[ "$(echo "$RESULT" | jq -r .status)" = VALID ] || { echo "not VALID: $RESULT"; exit 1; }
echo "$RESULT" | jq -r '.path[].subject'
# intermediates (EE's issuer first) and the anchor, by SHA-256 from the repository's CA certificates
for url in $(echo "$INDEX" | jq -r '.cas[].certificates[].url'); do
  curl -fsS "$url" -o "$WORK/c.der"
  mv "$WORK/c.der" "$WORK/$(sha256sum < "$WORK/c.der" | cut -c1-64).der"
done
N=$(echo "$RESULT" | jq '.path | length')
i=1
while [ "$i" -lt $((N - 1)) ]; do
  cp "$WORK/$(echo "$RESULT" | jq -r ".path[$i].sha256").der" "$WORK/i$i.der"
  i=$((i + 1))
done
cp "$WORK/$(echo "$RESULT" | jq -r ".path[$((N - 1))].sha256").der" "$WORK/anchor.der"
for ca in $(echo "$INDEX" | jq -r '.cas[].id'); do
  curl -fsS "$GW/repository/crl/$ca.crl" -o "$WORK/crl-$ca.der"
  curl -fsS "$GW/repository/arl/$ca.crl" -o "$WORK/crl-$ca-arl.der"
done

# 2. Alternate the cases, RUNS rounds.
: > "$OUT"
for r in $(seq 1 "$RUNS"); do
  BODY="$WORK/body.json" wrk -t2 -c32 -d"$DUR" -s "$HERE/post.lua" "$GW/api/v1/validations" \
    | grep '^notvalid=' | sed 's/^/service c=32 /' >> "$OUT"
  BODY="$WORK/body.json" DELAY_MS=4 wrk -t2 -c"$LAT_CONNS" -d"$DUR" -s "$HERE/post.lua" "$GW/api/v1/validations" \
    | grep "^notvalid=" | sed "s/^/latency c=$LAT_CONNS /" >> "$OUT"
  java "$HERE/JdkPkixBench.java" "$WORK" 32 "$SECS" cached >> "$OUT"
  java -cp "$BCPROV" "$HERE/JdkPkixBench.java" "$WORK" 32 "$SECS" fresh >> "$OUT"
done
cat "$OUT"
