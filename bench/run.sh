#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md, in one run on this machine. Each figure
# is printed as `BENCH <name> <value> <unit>`; ratios against the baselines
# measured in the same run come last.
#   CONNS (64)  DURATION (10s)  DB_MAX_OPEN_CONNS (8)  BENCH_POSTGRES (postgres://postgres@127.0.0.1:5432)
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-64}
DURATION=${DURATION:-10s}
# PostgreSQL on two cores does best with few backends (pgbench -S: ~12k tx/s
# at 8 clients, ~4k at 64), so the api's pool is sized to the cores.
POOL=${DB_MAX_OPEN_CONNS:-8}
PG=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

wait_http() { for _ in $(seq 1 100); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "bench: $1 never answered" >&2; exit 1; }

go build -o bin/fanfare ./cmd/fanfare
go build -o bin/bench-bare ./bench/bare
echo "BENCH machine_cores $(nproc) cores"

# PostgreSQL baseline: pgbench's select-only transaction at the same client count.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_pgbench WITH (FORCE)" -c "CREATE DATABASE fanfare_pgbench"
pgbench -q -i -s 10 "$PG/fanfare_pgbench" 2>/dev/null
pgbench -S -c "$CONNS" -j 2 -T "${DURATION%s}" "$PG/fanfare_pgbench" >"$work/pgbench.txt" 2>&1
pg_tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -n 1)
pg_lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/pgbench.txt")
echo "BENCH pgbench_select_tps ${pg_tps%.*} tx/s"
echo "BENCH pgbench_select_latency_avg $pg_lat ms"
# The same with as many clients as the api's pool has connections: what
# PostgreSQL itself does best on this machine.
pgbench -S -c "$POOL" -j 2 -T "${DURATION%s}" "$PG/fanfare_pgbench" >"$work/pgbench-pool.txt" 2>&1
echo "BENCH pgbench_select_pool_clients_tps $(sed -n 's/^tps = \([0-9]*\).*/\1/p' "$work/pgbench-pool.txt" | head -n 1) tx/s"

# The api as production runs it: PostgreSQL, Redis, a Temporal server. The
# environment stays development because production refuses the sandbox
# payments the membership benchmark charges (nothing else differs on these
# paths).
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
export FANFARE_ENV=development LOG_LEVEL=warn RATE_LIMIT=0 AUTH_RATE_LIMIT=0 REFRESH_RATE_LIMIT=0 \
  DATABASE_URL="$PG/fanfare_bench?sslmode=disable" REDIS_URL=redis://127.0.0.1:6379/0 REDIS_PREFIX=bench: \
  TEMPORAL_ADDRESS=127.0.0.1:7299 JWT_SECRET=bench-secret-bench-secret-bench-secret \
  HTTP_ADDR=127.0.0.1:3100 DB_MAX_OPEN_CONNS=$POOL DB_MAX_IDLE_CONNS=$POOL
bin/temporal server start-dev --headless --ip 127.0.0.1 --port 7299 --log-level error >"$work/temporal.log" 2>&1 &
pids+=($!)
bin/fanfare migrate up >/dev/null 2>&1
for _ in $(seq 1 50); do bin/temporal operator cluster health --address 127.0.0.1:7299 >/dev/null 2>&1 && break; sleep 0.2; done
# Content writes share the per-user content class: the 60 items below are
# written faster than MESSAGE_RATE_LIMIT allows, and no step here measures it.
MESSAGE_RATE_LIMIT=0 bin/fanfare api 2>"$work/api.log" &
pids+=($!)
wait_http http://127.0.0.1:3100/readyz
session=$(curl -sf -XPOST http://127.0.0.1:3100/api/auth/register -H 'Content-Type: application/json' \
  -d '{"email":"bench@example.com","password":"correct horse battery staple","display_name":"Bench","role":"fan"}')
token=$(printf '%s' "$session" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
curl -sf http://127.0.0.1:3100/api/me -H "Authorization: Bearer $token" >"$work/me.json"

# The bare Fiber handler answering the same bytes.
bin/bench-bare -addr 127.0.0.1:3101 -body "$work/me.json" &
pids+=($!)
wait_http http://127.0.0.1:3101/api/me

bin/fanfare loadtest http --name bare_fiber --conns "$CONNS" --duration "$DURATION" http://127.0.0.1:3101/api/me 2>/dev/null | tee "$work/bare.txt"
bin/fanfare loadtest http --name api_me --conns "$CONNS" --duration "$DURATION" \
  -H "Authorization: Bearer $token" http://127.0.0.1:3100/api/me 2>/dev/null | tee "$work/me.txt"

me_rps=$(awk '/api_me_rps/ {print $3}' "$work/me.txt")
bare_rps=$(awk '/bare_fiber_rps/ {print $3}' "$work/bare.txt")
awk -v a="$me_rps" -v b="$pg_tps" 'BEGIN { printf "BENCH api_me_vs_pgbench %.2f ratio\n", a / b }'
awk -v a="$me_rps" -v b="$bare_rps" 'BEGIN { printf "BENCH api_me_vs_bare_fiber %.2f ratio\n", a / b }'

# Content (issue 12): a supporter lists an artist's 60 items (a third of
# them superfan-only teasers) at CONNS connections, next to pgbench -S's
# own p99 at the same client count (its per-transaction log, sampled).
pgbench -S -c "$CONNS" -j 2 -T "${DURATION%s}" --log --sampling-rate 0.05 --log-prefix "$work/pglog" "$PG/fanfare_pgbench" >/dev/null 2>&1
pg_p99=$(cat "$work"/pglog.* | awk '{print $3}' | sort -n | awk '{v[NR] = $1} END {printf "%.2f", v[int(NR * 0.99)] / 1000}')
echo "BENCH pgbench_select_p99 $pg_p99 ms"
artist=$(curl -sf -XPOST http://127.0.0.1:3100/api/auth/register -H 'Content-Type: application/json' \
  -d '{"email":"bench-artist@example.com","password":"correct horse battery staple","display_name":"Bench Artist","role":"artist"}')
artist_token=$(printf '%s' "$artist" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
artist_id=$(printf '%s' "$artist" | sed -n 's/.*"user":{"id":"\([^"]*\)".*/\1/p')
tiers=(follower supporter superfan)
for i in $(seq 1 60); do
  curl -sf -XPOST "http://127.0.0.1:3100/api/artists/$artist_id/content" -H "Authorization: Bearer $artist_token" \
    -H 'Content-Type: application/json' -d "{\"kind\":\"track\",\"title\":\"Track $i\",\"duration_seconds\":200,\"min_tier\":\"${tiers[i % 3]}\"}" >/dev/null
done
# The api here runs no worker, so the membership is written as its workflow would.
psql -q "$PG/fanfare_bench" -c "INSERT INTO subscriptions (artist_id, fan_id, workflow_id, tier, status, member_since, period,
  period_start, period_end, price_cents, currency, created_at, updated_at)
  SELECT '$artist_id', id, 'bench', 'supporter', 'active', now(), 1, now(), now() + interval '1 month', 500, 'usd', now(), now()
  FROM users WHERE email = 'bench@example.com'"
bin/fanfare loadtest http --name content_list --conns "$CONNS" --duration "$DURATION" \
  -H "Authorization: Bearer $token" "http://127.0.0.1:3100/api/artists/$artist_id/content" 2>/dev/null | tee "$work/content.txt"
awk -v a="$(awk '/content_list_p99/ {print $3}' "$work/content.txt")" -v b="$pg_p99" 'BEGIN { printf "BENCH content_list_p99_vs_pgbench_p99 %.2f ratio\n", a / b }'
awk -v a="$(awk '/content_list_rps/ {print $3}' "$work/content.txt")" -v b="$pg_tps" 'BEGIN { printf "BENCH content_list_vs_pgbench %.2f ratio\n", a / b }'
kill "${pids[@]}" 2>/dev/null || true # a fresh Temporal server and api for each part
bin/temporal server start-dev --headless --ip 127.0.0.1 --port 7298 --log-level error >"$work/temporal2.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do bin/temporal operator cluster health --address 127.0.0.1:7298 >/dev/null 2>&1 && break; sleep 0.2; done
export TEMPORAL_ADDRESS=127.0.0.1:7298

# Real time: 500 sockets in one room, rate by rate, until p99 passes 100 ms;
# the anchor is a minimal fasthttp websocket broadcast, in the same run.
RATES=${RATES:-20,100,200,300,400,600}
WS_DURATION=${WS_DURATION:-8s}
ws() { bin/fanfare loadtest ws --clients 500 --rates "$RATES" --duration "$WS_DURATION" "$@" 2>/dev/null; }
ws --target anchor --name ws_anchor | tee "$work/ws_anchor.txt"
FANFARE_ENV=development REDIS_URL='' DATABASE_URL="sqlite://$work/ws.db" DATA_DIR="$work" ws --target fanfare --name ws_memory | tee "$work/ws_memory.txt"
REDIS_PREFIX=bench-ws: ws --target fanfare --name ws_redis | tee "$work/ws_redis.txt"
for b in memory redis; do
  for r in 20 200; do
    awk -v a="$(awk "/ws_${b}_r${r}_p99/ {print \$3}" "$work/ws_$b.txt")" -v z="$(awk "/ws_anchor_r${r}_p99/ {print \$3}" "$work/ws_anchor.txt")" \
      -v n="ws_${b}_r${r}_p99_vs_anchor" 'BEGIN { if (a && z) printf "BENCH %s %.2f ratio\n", n, a / z }'
  done
  awk -v a="$(awk "/ws_${b}_max_delivered/ {print \$3}" "$work/ws_$b.txt")" -v z="$(awk '/ws_anchor_max_delivered/ {print $3}' "$work/ws_anchor.txt")" \
    -v n="ws_${b}_max_delivered_vs_anchor" 'BEGIN { if (z) printf "BENCH %s %.2f ratio\n", n, a / z }'
done

# Memory per idle socket: a fresh api process (PostgreSQL, Redis) and 10,000
# sockets from the load tool; garbage is collected before each reading.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
bin/fanfare migrate up >/dev/null 2>&1
HTTP_ADDR=127.0.0.1:3102 PPROF_ADDR=127.0.0.1:6062 WS_MAX_CONNS_PER_USER=100000 REDIS_PREFIX=bench-idle: \
  bin/fanfare api 2>"$work/api-idle.log" &
pids+=($!)
wait_http http://127.0.0.1:3102/readyz
bin/fanfare loadtest ws-idle http://127.0.0.1:3102 --clients "${IDLE_CLIENTS:-10000}" --pprof 127.0.0.1:6062 2>/dev/null

# Notifications: an announcement to 100,000 followers on PostgreSQL, with a
# local SendGrid that counts requests.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-bc: bin/fanfare loadtest broadcast --recipients "${BROADCAST_RECIPIENTS:-100000}" 2>/dev/null

# A release's broadcasts (issue 12): the same number of followers, 10% of
# them superfans with a browser subscribed to push and 20% supporters;
# superfans, supporters, then the followers who are not members.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-bcm: bin/fanfare loadtest broadcast --audience members --recipients "${BROADCAST_RECIPIENTS:-100000}" 2>/dev/null

# Memberships: a bare Update-with-Start of a one-timer workflow (the
# baseline) and POST /api/artists/:id/subscription, at 4 and 32 clients,
# against one fresh dev server; then the heap with idle memberships.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
bin/temporal server start-dev --headless --ip 127.0.0.1 --port 7297 --log-level error \
  --dynamic-config-value frontend.enableUpdateWorkflowExecution=true --dynamic-config-value frontend.enableExecuteMultiOperation=true \
  --dynamic-config-value matching.numTaskqueueReadPartitions=1 --dynamic-config-value matching.numTaskqueueWritePartitions=1 \
  >"$work/temporal3.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do bin/temporal operator cluster health --address 127.0.0.1:7297 >/dev/null 2>&1 && break; sleep 0.2; done
TEMPORAL_ADDRESS=127.0.0.1:7297 REDIS_PREFIX=bench-mb: bin/fanfare loadtest membership \
  --n "${MEMBERSHIP_N:-600}" --idle "${MEMBERSHIP_IDLE:-10000}" 2>/dev/null

# Direct messages: sends from 32 closed-loop clients on PostgreSQL and Redis,
# next to pgbench's write transaction (-N: update, select, insert) at the same
# client count, in the same run; then the delay from a send to the
# recipient's socket at 200 messages a second.
pgbench -N -c 32 -j 2 -T "${DURATION%s}" "$PG/fanfare_pgbench" >"$work/pgbench-write.txt" 2>&1
pg_write=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench-write.txt" | head -n 1)
echo "BENCH pgbench_write_tps ${pg_write%.*} tx/s"
# and a bare single-row insert, one statement, no transaction block
printf 'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 1, now());\n' >"$work/insert.sql"
pgbench -f "$work/insert.sql" -c 32 -j 2 -T "${DURATION%s}" "$PG/fanfare_pgbench" >"$work/pgbench-insert.txt" 2>&1
pg_insert=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench-insert.txt" | head -n 1)
echo "BENCH pgbench_insert_tps ${pg_insert%.*} tx/s"
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-msg: bin/fanfare loadtest messages --concurrency 32 --sends "${MESSAGE_SENDS:-20000}" 2>/dev/null | tee "$work/messages.txt"
awk -v a="$(awk '/messages_send_rps/ {print $3}' "$work/messages.txt")" -v b="$pg_write" -v c="$pg_insert" \
  'BEGIN { printf "BENCH messages_send_vs_pgbench_write %.2f ratio\nBENCH messages_send_vs_pgbench_insert %.2f ratio\n", a / b, a / c }'

# Client engagement events (issue 19): 32 clients post batches of 500 (half
# progress, half shares, each batch a fan's next 250 minutes) to the api in
# this process on PostgreSQL and Redis, beside redis-benchmark's INCR at the
# same client count; then the flush into PostgreSQL beside a plain COPY of
# the same rows, in the same run.
redis-benchmark -t incr -c 32 -n "${REDIS_INCRS:-2000000}" -q >"$work/redis-incr.txt" 2>&1
redis_incr=$(tr '\r' '\n' <"$work/redis-incr.txt" | sed -n 's/^INCR: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1)
echo "BENCH redis_benchmark_incr ${redis_incr%.*} ops/s"
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-eng: bin/fanfare loadtest engagement --clients 32 --duration "$DURATION" 2>/dev/null | tee "$work/engagement.txt"
awk -v a="$(awk '$2 == "engagement_ingest" {print $3}' "$work/engagement.txt")" -v b="$redis_incr" \
  'BEGIN { if (b) printf "BENCH engagement_ingest_vs_redis_incr %.2f ratio\n", a / b }'
awk -v a="$(awk '$2 == "engagement_flush" {print $3}' "$work/engagement.txt")" -v b="$(awk '$2 == "engagement_copy_baseline" {print $3}' "$work/engagement.txt")" \
  'BEGIN { if (b) printf "BENCH engagement_flush_vs_copy %.2f ratio\n", a / b }'

# Engagement (issue 19): an artist's leaderboard at LEADERBOARD_FANS
# (100,000) fans with scores, warm: the first page (all time and this
# week), a page from the middle, and a fan's own standing (rank and
# percentile count over every fan). Target p99 <= 20 ms.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-eng: bin/fanfare loadtest leaderboard --fans "${LEADERBOARD_FANS:-100000}" 2>/dev/null

# Engagement (issue 19): a milestone's crossing to the fan's notification.
# MILESTONE_FANS (300) fans, each 10 s short of 1,000 minutes, report a play
# at 20 a second; the api and worker in the load generator's process.
# Target p99 <= 1 s.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-milestone: bin/fanfare loadtest milestone --fans "${MILESTONE_FANS:-300}" --rate 20 2>/dev/null

# Listening parties (issue 13), the api and worker in the load generator's
# process on a fresh dev server: simulated listeners (clocks off by up to
# ±2 s, 10-200 ms round trips) following a party with the reference player
# (docs/parties.md) through a pause, a play, a seek and a track change; then
# a host's party:control until the last of 500 sockets has the party:sync,
# next to a bare Update of the same workflow on the same server.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
bin/temporal server start-dev --headless --ip 127.0.0.1 --port 7296 --log-level error \
  --dynamic-config-value frontend.enableUpdateWorkflowExecution=true \
  >"$work/temporal-party.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do bin/temporal operator cluster health --address 127.0.0.1:7296 >/dev/null 2>&1 && break; sleep 0.2; done
export TEMPORAL_ADDRESS=127.0.0.1:7296 # the party steps below share it
REDIS_PREFIX=bench-party: bin/fanfare loadtest party sync --listeners "${PARTY_SYNC_LISTENERS:-200}" 2>/dev/null
REDIS_PREFIX=bench-party: bin/fanfare loadtest party control \
  --listeners "${PARTY_LISTENERS:-500}" --rounds "${PARTY_ROUNDS:-200}" 2>/dev/null | tee "$work/party.txt"
awk -v a="$(awk '/party_control_to_last_sync_p99_ms/ {print $3}' "$work/party.txt")" -v b="$(awk '/temporal_bare_update_p99_ms/ {print $3}' "$work/party.txt")" \
  'BEGIN { if (b) printf "BENCH party_control_p99_vs_bare_update_p99 %.2f ratio\n", a / b }'
# Party chat (issue 13): 500 listeners in one party's room, 50 lines a
# second from 25 of them (sanitized, stored, published); the delay from a
# send to the last listener's socket.
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-party-chat: bin/fanfare loadtest party-chat --listeners "${PARTY_LISTENERS:-500}" --senders 25 --rate 50 --duration "$DURATION" 2>/dev/null
# Listening parties (issue 13): a join storm — PARTY_CLIENTS (500) fans on
# their sockets send party:join to one party of that capacity, spread over
# one second, on PostgreSQL, Redis and Temporal; the time from the first
# send until the last of them is admitted (seat, stay row, roster batch).
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS fanfare_bench WITH (FORCE)" -c "CREATE DATABASE fanfare_bench"
REDIS_PREFIX=bench-party: bin/fanfare loadtest party-join --clients "${PARTY_CLIENTS:-500}" --spread 1s 2>/dev/null
