#!/bin/bash
# usage: [ROOT=<built checkout>] [PORT=18080] [DUR=8] [OUT_DIR=/tmp/pollcast-prof] bench/profile/run.sh <label> [pg]
# Starts pollcast from ROOT (embedded, or PostgreSQL+Redis+NATS with `pg`) under `node --cpu-prof`,
# creates an open-mode poll, runs wrk (1 thread, 100 connections, DUR s, one new voterId per
# request), stops it, and prints votes/s, the process's CPU per request (/proc) and the load.
# The profile and wrk's output land in $OUT_DIR/<label>/ (read them with bench/profile-stages.ts).
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
LABEL=$1; MODE=${2:-embedded}; ROOT=${ROOT:-$(cd "$HERE/../.." && pwd)}; PORT=${PORT:-18080}
OUT=${OUT_DIR:-/tmp/pollcast-prof}/$LABEL; rm -rf $OUT; mkdir -p $OUT
export PORT LOG_LEVEL=info POLLCAST_PROCESSES=1
if [ "$MODE" = pg ]; then
  DB=prof_$$; psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $DB" 
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB REDIS_URL=redis://127.0.0.1:6379 NATS_URL=nats://127.0.0.1:4222 POLLCAST_PREFIX=prof$$
else
  export DATA_DIR=$OUT/data
fi
cd $ROOT
node --cpu-prof --cpu-prof-dir=$OUT bin/pollcast.js serve > $OUT/server.log 2>&1 &
PID=$!
for i in $(seq 1 60); do curl -sf localhost:$PORT/readyz >/dev/null && break; sleep 0.5; done
POLL=$(curl -s -XPOST localhost:$PORT/v1/polls -H 'content-type: application/json' -d '{"question":"Q?","options":["A","B"],"identityMode":"open"}')
ID=$(echo "$POLL" | node -pe 'JSON.parse(require("fs").readFileSync(0)).poll.id')
OPT=$(echo "$POLL" | node -pe 'JSON.parse(require("fs").readFileSync(0)).poll.options[0].id')
TOK=$(echo "$POLL" | node -pe 'JSON.parse(require("fs").readFileSync(0)).ownerToken')
sed "s|^local counter|path='/v1/polls/$ID/votes'; opt='$OPT'; tok='$TOK'\nlocal counter|" $HERE/vote.lua > $OUT/vote.lua
T0=$(awk '{print $14+$15}' /proc/$PID/stat)
wrk -t1 -c${CONNS:-100} -d${DUR:-8}s -s $OUT/vote.lua --latency http://127.0.0.1:$PORT > $OUT/wrk.txt
T1=$(awk '{print $14+$15}' /proc/$PID/stat)
kill -INT $PID; wait $PID || true
REQ=$(grep "requests in" $OUT/wrk.txt | awk '{print $1}')
echo "$LABEL: $(grep Requests/sec $OUT/wrk.txt) cpu_ticks=$((T1-T0)) req=$REQ us_per_req=$(( (T1-T0)*10000*1000/ (REQ>0?REQ:1) /1000 )) load=$(cut -d' ' -f1 /proc/loadavg)"
grep -E "Non-2xx|50%|99%" $OUT/wrk.txt || true
if [ "$MODE" = pg ]; then psql -h 127.0.0.1 -U postgres -d test -qc "DROP DATABASE $DB WITH (FORCE)"; fi
