#!/usr/bin/env bash
# Makes sure the services the tests talk to answer on 127.0.0.1: PostgreSQL
# (5432, user postgres without a password) and Redis (6379). Starts them when
# they are installed but stopped; installs Debian's packages when they are
# missing and we are root. Exits non-zero when a service cannot be had:
# tests never skip a missing service.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  return 1
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "services: $* missing and not root; install it or start it yourself" >&2
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

postgres() {
  port_open 5432 && return 0
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  # A test machine: local TCP connections are trusted, as on the dev machines.
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port 5432
}

redis() {
  port_open 6379 && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --logfile /tmp/fanfare-test-redis.log
  wait_port 6379
}

postgres || { echo "services: PostgreSQL is not available on 127.0.0.1:5432" >&2; exit 1; }
redis || { echo "services: Redis is not available on 127.0.0.1:6379" >&2; exit 1; }
echo "services: PostgreSQL and Redis are up"
