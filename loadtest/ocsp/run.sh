#!/usr/bin/env bash
# OCSP benchmark (not a test): responses/s of pre-signed answers from the gateway, against nginx
# serving a static file of the same size and against `openssl ocsp` as a responder, in one run.
#
# Needs: a running gateway with the demo PKI (GATEWAY, default http://127.0.0.1:18080), wrk,
# nginx (nginx-light), openssl. Usage: loadtest/ocsp/run.sh [runs]   (default 3 runs per target)
# Prints the median responses/s of each target and the ratios.
set -euo pipefail

GATEWAY=${GATEWAY:-http://127.0.0.1:18080}
RUNS=${1:-3}
NGINX_PORT=${NGINX_PORT:-18081}
OPENSSL_PORT=${OPENSSL_PORT:-18082}
WRK_ARGS=${WRK_ARGS:--t2 -c32 -d10s}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/ocsp-bench.XXXXXX)
chmod 755 "$WORK" # nginx workers run as nobody: a 0700 folder would make every baseline answer a 403
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

log() { echo "== $*" >&2; }

# 1. A demo certificate of the gateway and its CA, from the repository index; the request, no nonce.
curl -fsS "$GATEWAY/repository" > "$WORK/index.json"
python3 - "$WORK" <<'PY'
import json, sys, urllib.request
work = sys.argv[1]
idx = json.load(open(work + "/index.json"))
ee = next(e for e in idx["demo"]["endEntities"] if e["issuerCa"] == "osca" and e["expectedStatus"] == "VALID")
ca = next(c for c in idx["cas"] if c["id"] == "osca")
open(work + "/ee.der", "wb").write(urllib.request.urlopen(ee["url"]).read())
open(work + "/ca.der", "wb").write(urllib.request.urlopen(ca["certificate"]).read())
PY
openssl x509 -inform DER -in "$WORK/ee.der" -out "$WORK/ee.pem"
openssl x509 -inform DER -in "$WORK/ca.der" -out "$WORK/ca.pem"
openssl ocsp -issuer "$WORK/ca.pem" -cert "$WORK/ee.pem" -no_nonce -reqout "$WORK/request.der" >/dev/null
curl -fsS -H 'Content-Type: application/ocsp-request' --data-binary @"$WORK/request.der" \
  "$GATEWAY/ocsp" -o "$WORK/response.der"
openssl ocsp -respin "$WORK/response.der" -issuer "$WORK/ca.pem" -CAfile "$WORK/ca.pem" \
  -cert "$WORK/ee.pem" 2>&1 | grep -q ': good' || { echo "gateway answer is not good" >&2; exit 1; }
SIZE=$(stat -c %s "$WORK/response.der")
log "request $(stat -c %s "$WORK/request.der") bytes, response $SIZE bytes"

# 2. nginx, non-daemon, temp config, sendfile on, serving a file of the same size.
mkdir -p "$WORK/www" "$WORK/nginx"
cp "$WORK/response.der" "$WORK/www/response.der"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  types { application/ocsp-response der; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
  }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" &
PIDS+=($!)
sleep 1
# The baseline must serve the very bytes (a 403 or 404 page would be a much faster "baseline").
curl -fsS "http://127.0.0.1:$NGINX_PORT/response.der" -o "$WORK/nginx-check.der"
cmp "$WORK/nginx-check.der" "$WORK/response.der"

# 3. openssl ocsp on an index file of a separate, openssl-made test CA (our keys never leave the
#    gateway's key source), RSA-2048 like the demo CAs, signing with the CA key, 2 processes.
( cd "$WORK" && openssl req -x509 -newkey rsa:2048 -nodes -keyout ossl-ca.key -out ossl-ca.pem \
    -subj "/C=JP/O=Bench/CN=openssl bench CA" -days 30 \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout ossl-ee.key -out ossl-ee.csr -subj "/C=JP/O=Bench/CN=ee" 2>/dev/null
  openssl x509 -req -in ossl-ee.csr -CA ossl-ca.pem -CAkey ossl-ca.key -set_serial 0x1001 -days 30 \
    -out ossl-ee.pem 2>/dev/null
  printf 'V\t%s\t\t1001\tunknown\t/C=JP/O=Bench/CN=ee\n' \
    "$(date -u -d '+30 days' +%y%m%d%H%M%SZ)" > index.txt
  openssl ocsp -issuer ossl-ca.pem -cert ossl-ee.pem -no_nonce -reqout ossl-request.der >/dev/null )
start_openssl() {
  openssl ocsp -index "$WORK/index.txt" -port "$OPENSSL_PORT" -rsigner "$WORK/ossl-ca.pem" \
    -rkey "$WORK/ossl-ca.key" -CA "$WORK/ossl-ca.pem" -multi 2 -nmin 60 >"$WORK/openssl.log" 2>&1 &
  OPENSSL_PID=$!
  PIDS+=($OPENSSL_PID)
  for _ in $(seq 1 100); do
    grep -q ACCEPT "$WORK/openssl.log" 2>/dev/null && break
    sleep 0.1
  done
  sleep 1
}
# With -multi the master does not always stop its children on TERM: kill its children, then it.
stop_openssl() {
  pkill -KILL -P "$OPENSSL_PID" 2>/dev/null || true
  kill -KILL "$OPENSSL_PID" 2>/dev/null || true
  wait "$OPENSSL_PID" 2>/dev/null || true
}
sleep 1

rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Warm-up (not counted): the gateway's JIT compiles the hot path in the first seconds.
log "warm-up"
REQUEST="$WORK/request.der" wrk -t2 -c32 -d10s -s "$HERE/post-request.lua" "$GATEWAY/ocsp" >/dev/null
wrk -t2 -c32 -d3s "http://127.0.0.1:$NGINX_PORT/response.der" >/dev/null

declare -A RESULTS
for run in $(seq 1 "$RUNS"); do
  log "run $run/$RUNS"
  g=$(REQUEST="$WORK/request.der" wrk $WRK_ARGS -s "$HERE/post-request.lua" "$GATEWAY/ocsp" | tee -a "$WORK/wrk.log" | rps)
  n=$(wrk $WRK_ARGS -s "$HERE/static-get.lua" "http://127.0.0.1:$NGINX_PORT/response.der" | tee -a "$WORK/wrk.log" | rps)
  # openssl serves one connection at a time per process and can hang on aborted connections:
  # a fresh responder for every run.
  start_openssl
  o=$(REQUEST="$WORK/ossl-request.der" wrk $WRK_ARGS -s "$HERE/post-request.lua" "http://127.0.0.1:$OPENSSL_PORT/" | tee -a "$WORK/wrk.log" | rps)
  stop_openssl
  log "gateway=$g nginx=$n openssl=$o"
  if grep -q 'non-200: [1-9]\|Non-2xx' "$WORK/wrk.log"; then echo "error answers in a run: see $WORK/wrk.log" >&2; exit 1; fi
  RESULTS[g]+="$g "; RESULTS[n]+="$n "; RESULTS[o]+="$o "
done

G=$(echo ${RESULTS[g]} | tr ' ' '\n' | median)
N=$(echo ${RESULTS[n]} | tr ' ' '\n' | median)
O=$(echo ${RESULTS[o]} | tr ' ' '\n' | median)
echo "response_bytes=$SIZE"
echo "gateway_presigned_post_rps_median=$G  (runs: ${RESULTS[g]})"
echo "nginx_static_get_rps_median=$N  (runs: ${RESULTS[n]})"
echo "openssl_ocsp_multi2_rps_median=$O  (runs: ${RESULTS[o]})"
awk -v g="$G" -v n="$N" -v o="$O" 'BEGIN { printf "ratio_gateway_to_nginx=%.2f ratio_gateway_to_openssl=%.1f\n", g/n, g/o }'
echo "wrk output: $WORK/wrk.log"
