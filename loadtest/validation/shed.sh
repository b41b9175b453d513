#!/usr/bin/env bash
# Load-shedding benchmark (not a test): POST /api/v1/validations far beyond capacity, at 256, 1,024
# and 4,096 connections, with the repository and OCSP probed on the same port meanwhile.
#
# Needs: wrk, curl, jq, openssl, a JDK; the gateway jar (./mvnw -B -q -pl gateway -am -DskipTests
# package). By default the script starts the jar itself on 127.0.0.1 with its own data folder and
# non-default ports (HTTP $PORT = 18480, management $PORT+1, embedded PostgreSQL 18432, LDAP 18389,
# LRA listener 18443) and stops it at the end; with GW=http://host:port it uses a running gateway.
#
#   loadtest/validation/shed.sh              # RUNS=3 rounds, DUR=15s per case; medians at the end
#   CONNS="256 1024" RUNS=1 loadtest/validation/shed.sh
#   GATEWAY_ARGS="--gpki.validation.admission.max-queue=256" loadtest/validation/shed.sh   # other limits
#
# Per case: wrk -t2 -c<N> -d$DUR --timeout 10s with shed.lua (every request carries its send time,
# so the latency of ACCEPTED answers is measured on its own; 503s are counted and checked for
# Retry-After and a problem body), and two probes with probe.lua, one connection each, 20 per second:
# GET /repository (the index) and a POST of an OCSP request. Printed per case: accepted/s, shed
# share, accepted mean/p50/p99/max, wrk timeouts, probe p50/p99/max, and the 1-minute load average
# before the case (the machine may be shared).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${RUNS:-3}
DUR=${DUR:-15s}
CONNS=${CONNS:-256 1024 4096}
PORT=${PORT:-18480}
JAR=${JAR:-$ROOT/gateway/target/gpki-gateway.jar}
OUT=${OUT:-$HERE/shed-results.txt}
WORK=$(mktemp -d /tmp/gpki-shed.XXXXXX)
chmod 755 "$WORK" # the embedded PostgreSQL runs as its own user when the JVM is root: it must enter the folder
GW_PID=
cleanup() {
  if [ -n "$GW_PID" ]; then
    kill "$GW_PID" 2>/dev/null || true
    wait "$GW_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# wrk needs a descriptor per connection, and so does the gateway it may start (which inherits this).
NEED=$(( $(echo "$CONNS" | tr ' ' '\n' | sort -n | tail -1) + 1024 ))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED" ]; then
  ulimit -n "$NEED" || { echo "cannot raise ulimit -n to $NEED (is $(ulimit -n))" >&2; exit 1; }
fi

# 1. The gateway: started here unless GW names one.
if [ -z "${GW:-}" ]; then
  GW=http://127.0.0.1:$PORT
  [ -f "$JAR" ] || { echo "no jar at $JAR: build it first" >&2; exit 1; }
  java -Xmx1g -jar "$JAR" \
    --server.port="$PORT" --management.server.port=$((PORT + 1)) \
    --gpki.db.embedded-port="${DB_PORT:-18432}" --gpki.repository.ldap.port="${LDAP_PORT:-18389}" \
    --gpki.registration.port="${LRA_PORT:-18443}" --gpki.data-dir="$WORK/data" \
    --gpki.public-base-url="$GW" --gpki.ldap-base-url="ldap://127.0.0.1:${LDAP_PORT:-18389}" \
    ${GATEWAY_ARGS:-} > "$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  for _ in $(seq 1 180); do
    curl -fs -o /dev/null "$GW/repository" && break
    kill -0 "$GW_PID" 2>/dev/null || { tail -20 "$WORK/gateway.log" >&2; exit 1; }
    sleep 1
  done
fi
curl -fsS -o /dev/null "$GW/repository"

# 2. Request bodies: the bridge-path demo certificate (as the validation benchmark) and an OCSP
#    request for an osca end entity.
INDEX=$(curl -fsS "$GW/repository")
local_url() { echo "$GW$(echo "$1" | sed 's#^https*://[^/]*##')"; }
EE_URL=$(echo "$INDEX" | jq -r '.demo.endEntities[] | select(.issuerCa=="private-demo" and .expectedStatus=="VALID") | .url' | head -1)
curl -fsS "$(local_url "$EE_URL")" -o "$WORK/ee.der"
printf '{"certificate":"%s"}' "$(base64 -w0 < "$WORK/ee.der")" > "$WORK/body.json"
STATUS=$(curl -fsS -H 'Content-Type: application/json' --data-binary @"$WORK/body.json" "$GW/api/v1/validations" | jq -r .status)
[ "$STATUS" = VALID ] || { echo "the demo certificate is not VALID: $STATUS" >&2; exit 1; }
OSCA_EE=$(echo "$INDEX" | jq -r '.demo.endEntities[] | select(.issuerCa=="osca" and .expectedStatus=="VALID") | .url' | head -1)
OSCA_CA=$(echo "$INDEX" | jq -r '.cas[] | select(.id=="osca") | .certificate')
curl -fsS "$(local_url "$OSCA_EE")" | openssl x509 -inform DER -out "$WORK/osca-ee.pem"
curl -fsS "$(local_url "$OSCA_CA")" | openssl x509 -inform DER -out "$WORK/osca.pem"
openssl ocsp -issuer "$WORK/osca.pem" -cert "$WORK/osca-ee.pem" -no_nonce -reqout "$WORK/ocsp.der" > /dev/null
curl -fsS -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @"$WORK/ocsp.der" "$GW/ocsp"

load() { cut -d' ' -f1 /proc/loadavg; }

# 3. Warm-up (JIT: 20 s of validations at 32 connections), then the cases, RUNS rounds.
BODY="$WORK/body.json" wrk -t2 -c32 -d20s -s "$HERE/shed.lua" "$GW/api/v1/validations" > /dev/null
: > "$OUT"
echo "machine: $(nproc) cpus, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); duration $DUR" | tee -a "$OUT"
for r in $(seq 1 "$RUNS"); do
  for c in $CONNS; do
    before=$(load)
    PROBE_PATH=/repository PROBE_DELAY_MS=50 \
      wrk -t1 -c1 -d"$DUR" --timeout 30s -s "$HERE/probe.lua" "$GW" > "$WORK/repo.txt" &
    p1=$!
    PROBE_PATH=/ocsp PROBE_BODY="$WORK/ocsp.der" PROBE_TYPE=application/ocsp-request PROBE_DELAY_MS=50 \
      wrk -t1 -c1 -d"$DUR" --timeout 30s -s "$HERE/probe.lua" "$GW" > "$WORK/ocsp.txt" &
    p2=$!
    line=$(BODY="$WORK/body.json" wrk -t2 -c"$c" -d"$DUR" --timeout 10s -s "$HERE/shed.lua" "$GW/api/v1/validations" | grep '^accepted=')
    wait "$p1" "$p2"
    repo=$(grep '^probes=' "$WORK/repo.txt" | sed 's/\([a-z0-9_]*\)=/repo_\1=/g')
    ocsp=$(grep '^probes=' "$WORK/ocsp.txt" | sed 's/\([a-z0-9_]*\)=/ocsp_\1=/g')
    echo "c=$c run=$r load=$before $line $repo $ocsp" | tee -a "$OUT"
    sleep 3 # let the connections of the last case close
  done
done

# 4. Medians per connection count.
echo "median of $RUNS runs:" | tee -a "$OUT"
for c in $CONNS; do
  printf 'c=%s' "$c"
  for k in accepted_per_s shed_share accepted_mean_us accepted_p99_us accepted_max_us timeouts repo_p50_us repo_p99_us repo_max_us ocsp_p50_us ocsp_p99_us ocsp_max_us; do
    v=$(grep "^c=$c run=" "$OUT" | tr ' ' '\n' | grep "^$k=" | cut -d= -f2 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    printf ' %s=%s' "$k" "$v"
  done
  echo
done | tee -a "$OUT"
