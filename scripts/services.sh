#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and RabbitMQ are installed and running on loopback (Debian machines).
set -euo pipefail

need_apt=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v rabbitmq-server >/dev/null 2>&1 || need_apt+=(rabbitmq-server)
# The dashboards' browser tests drive Debian's Chromium through Playwright (never a downloaded browser build).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "services: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

port_open() { timeout 2 bash -c "</dev/tcp/127.0.0.1/$1" 2>/dev/null; }

wait_for() {  # name port seconds
  for _ in $(seq 1 "$3"); do
    port_open "$2" && return 0
    sleep 1
  done
  echo "services: $1 did not come up on port $2" >&2
  return 1
}

if ! port_open 5432; then
  echo "services: starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for PostgreSQL 5432 60
fi
# Tests connect as postgres over TCP without a password.
if ! psql -h 127.0.0.1 -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
  echo "services: allowing trust auth for loopback connections"
  hba=$(su postgres -c "psql -tAc 'SHOW hba_file'")
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  su postgres -c "psql -c 'SELECT pg_reload_conf()'" >/dev/null
fi

if ! port_open 6379; then
  echo "services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  wait_for Redis 6379 30
fi

if ! port_open 5672; then
  echo "services: starting RabbitMQ"
  rabbitmq-server -detached
  wait_for RabbitMQ 5672 120
fi
echo "services: PostgreSQL, Redis and RabbitMQ are up"
