#!/usr/bin/env bash
# A two-shard ClickHouse cluster on loopback for Escudo's integration tests and benchmarks.
#   scripts/clickhouse-cluster.sh start DIR   starts two `clickhouse-server` processes, each with its
#                                             own config and data under DIR/shard1, DIR/shard2, and a
#                                             remote_servers cluster named `escudo` over both; waits
#                                             until both answer; writes DIR/env (ESCUDO_CLICKHOUSE=clickhouse://H1,H2/escudo?cluster=escudo).
#   scripts/clickhouse-cluster.sh stop DIR    stops both (by the pid files under DIR) and waits.
# Ports are free loopback ports picked at start. Exit 1 with a message when the server binary is
# missing or a server does not answer within 60 seconds (its log's last lines are printed).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

find_server() {
  for b in clickhouse-server /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return 0; fi
  done
  if command -v clickhouse >/dev/null 2>&1; then echo "$(command -v clickhouse) server"; return 0; fi
  return 1
}

# A free TCP port on 127.0.0.1 (the kernel picks it; a tiny race remains until the server binds).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || (for p in $(shuf -i 20000-60000 -n 50); do if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; break; fi; done)
}

write_config() { # shard_dir http tcp interserver tcp1 tcp2
  local d=$1
  mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas" "$d/log"
  cat >"$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$d/log/server.log</log><errorlog>$d/log/server.err.log</errorlog><size>10M</size><count>2</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$2</http_port>
  <tcp_port>$3</tcp_port>
  <interserver_http_port>$4</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>8589934592</uncompressed_cache_size>
  <mark_cache_size>268435456</mark_cache_size>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <format_schema_path>$d/format_schemas/</format_schema_path>
  <users_config>$d/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <remote_servers>
    <escudo>
      <shard><replica><host>127.0.0.1</host><port>$5</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$6</port></replica></shard>
    </escudo>
  </remote_servers>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
XML
  cat >"$d/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><load_balancing>in_order</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

answers() { # http port
  curl -fsS --max-time 2 "http://127.0.0.1:$1/?query=SELECT%201" 2>/dev/null | grep -q '^1$'
}

start() {
  local server
  if ! server=$(find_server); then
    echo "clickhouse-cluster: no clickhouse server binary (install it: apt-get install -y clickhouse-server)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/shard1/pid" ] && kill -0 "$(cat "$dir/shard1/pid")" 2>/dev/null; then
    echo "clickhouse-cluster: already running in $dir (stop it first)" >&2
    exit 1
  fi
  local h1 t1 i1 h2 t2 i2
  h1=$(free_port); t1=$(free_port); i1=$(free_port); h2=$(free_port); t2=$(free_port); i2=$(free_port)
  write_config "$dir/shard1" "$h1" "$t1" "$i1" "$t1" "$t2"
  write_config "$dir/shard2" "$h2" "$t2" "$i2" "$t1" "$t2"
  for s in shard1 shard2; do
    # setsid: the servers outlive this script, in their own session, stopped by `stop` through the pid file.
    # A background simple command: the forked child execs setsid, which execs the server, so $! is the server's pid.
    setsid $server --config-file="$dir/$s/config.xml" >"$dir/$s/log/stdout.log" 2>&1 </dev/null &
    echo $! >"$dir/$s/pid"
  done
  local deadline=$((SECONDS + 60))
  for pair in "shard1:$h1" "shard2:$h2"; do
    local s=${pair%%:*} p=${pair##*:}
    until answers "$p"; do
      if [ $SECONDS -ge $deadline ] || ! kill -0 "$(cat "$dir/$s/pid")" 2>/dev/null; then
        echo "clickhouse-cluster: $s (http port $p) did not answer; its log:" >&2
        tail -n 20 "$dir/$s/log/stdout.log" "$dir/$s/log/server.err.log" >&2 2>/dev/null || true
        stop
        exit 1
      fi
      sleep 0.3
    done
  done
  {
    echo "ESCUDO_CLICKHOUSE=clickhouse://127.0.0.1:$h1,127.0.0.1:$h2/escudo?cluster=escudo"
    echo "ESCUDO_CLICKHOUSE_SHARD1=127.0.0.1:$h1"
    echo "ESCUDO_CLICKHOUSE_SHARD2=127.0.0.1:$h2"
  } >"$dir/env"
  echo "clickhouse-cluster: shards on http 127.0.0.1:$h1 and 127.0.0.1:$h2 (cluster 'escudo'); settings in $dir/env"
}

stop() {
  for s in shard1 shard2; do
    local f="$dir/$s/pid"
    [ -f "$f" ] || continue
    local pid
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

case "$cmd" in
  start) start ;;
  stop) [ -d "$dir" ] || exit 0; dir=$(cd "$dir" && pwd); stop ;;
  *) usage ;;
esac
