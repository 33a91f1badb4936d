#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and for trying `--store postgres://…` by hand.
#
#   Scripts/postgres-cluster.sh start DIR [PORT]   initdb in DIR (new), start it on 127.0.0.1:PORT
#                                                  (default 55432); prints the store URL
#   Scripts/postgres-cluster.sh stop DIR           stops it (DIR stays; remove it yourself)
#   Scripts/postgres-cluster.sh restart DIR        starts a stopped cluster again, on its port
#
# The cluster trusts connections from 127.0.0.1 only, for its one role `dcl` (a superuser: the
# tests create a database per test). PostgreSQL refuses to run as root, so under root the server
# runs as the `postgres` user. Debian keeps the programs in /usr/lib/postgresql/N/bin.
set -euo pipefail

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bindir="$d"; done
if [ -z "$bindir" ]; then
  bindir="$(dirname "$(command -v pg_ctl || true)")"
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "postgres-cluster: no PostgreSQL server programs found (Debian: apt-get install postgresql postgresql-contrib)" >&2
  exit 1
fi

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd="${1:-}"; dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start DIR [PORT] | stop DIR | restart DIR" >&2
  exit 2
fi

case "$cmd" in
  start)
    port="${3:-55432}"
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
      echo "postgres-cluster: $dir exists and is not empty; give a new folder" >&2
      exit 1
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    as_server_user "$bindir/initdb" -D "$dir/data" -U dcl --auth=trust --encoding=UTF8 --no-locale > "$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # Loopback only; the socket goes into DIR too (the default /var/run/postgresql needs root).
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off -c synchronous_commit=off" start > /dev/null 2>&1 \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" > "$dir/port"
    echo "postgres://dcl@127.0.0.1:$port/postgres"
    ;;
  restart)
    port="$(cat "$dir/port")"
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off -c synchronous_commit=off" start > /dev/null 2>&1 \
      || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  stop)
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null
    ;;
  *)
    echo "usage: $0 start DIR [PORT] | stop DIR | restart DIR" >&2
    exit 2
    ;;
esac
