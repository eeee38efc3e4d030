#!/usr/bin/env bash
# The local servers Borgerplan needs, installed and run by the project itself (no Docker):
#   kafka     Apache Kafka (KRaft, single node) from its jars on Maven Central, run with the machine's Java
#   ferretdb  FerretDB v1 (its last v1 release) built from its Go module, SQLite backend
#   smtp      an SMTP sink (aiosmtpd) that keeps every message as an .eml file under the data folder
#
# Usage: servers.sh install|start|stop|restart|status|env [kafka|ferretdb|smtp ...]
# Idempotent: start leaves a running server alone; install is cached after the first run.
# Environment (all optional):
#   BORGERPLAN_CACHE_DIR   downloads and builds, shared by every checkout (default ~/.cache/borgerplan)
#   BORGERPLAN_DATA_DIR    data and logs of this checkout (default <repo>/.data)
#   BORGERPLAN_KAFKA_PORT (9092) BORGERPLAN_KAFKA_CONTROLLER_PORT (9093)
#   BORGERPLAN_FERRETDB_PORT (27017) BORGERPLAN_SMTP_PORT (2525)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/local"
KAFKA_VERSION=4.1.1
FERRETDB_VERSION=v1.24.0
CACHE=${BORGERPLAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/borgerplan}
DATA=${BORGERPLAN_DATA_DIR:-$ROOT/.data}
KAFKA_PORT=${BORGERPLAN_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${BORGERPLAN_KAFKA_CONTROLLER_PORT:-9093}
FERRETDB_PORT=${BORGERPLAN_FERRETDB_PORT:-27017}
SMTP_PORT=${BORGERPLAN_SMTP_PORT:-2525}

KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
FERRETDB_HOME="$CACHE/ferretdb-$FERRETDB_VERSION"
LOGS="$DATA/logs"
RUN="$DATA/run"

say() { printf '[servers] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

wait_for() { # name port seconds [log-pattern]
  local name=$1 port=$2 seconds=$3 pattern=${4:-} i
  for ((i = 0; i < seconds * 4; i++)); do
    if ! pid_alive "$name"; then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$name exited during start-up (log: $LOGS/$name.log)"
    fi
    if port_open "$port" && { [[ -z $pattern ]] || grep -q "$pattern" "$LOGS/$name.log"; }; then
      return 0
    fi
    sleep 0.25
  done
  die "$name did not become ready on port $port within ${seconds}s (log: $LOGS/$name.log)"
}

launch() { # name command... : detached from this shell, logging under the data folder
  local name=$1; shift
  mkdir -p "$LOGS" "$RUN"
  : >"$LOGS/$name.log"
  setsid nohup "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

# ---------------------------------------------------------------- install (cached)

install_kafka() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  command -v java >/dev/null || die "java (17 or newer) is needed to run Kafka"
  command -v mvn >/dev/null || die "mvn is needed to fetch the Kafka jars from Maven Central"
  say "fetching Apache Kafka $KAFKA_VERSION jars (first run only)"
  rm -rf "$KAFKA_HOME" && mkdir -p "$KAFKA_HOME"
  mvn -q -B -f "$HERE/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" >&2
  touch "$KAFKA_HOME/.complete"
}

install_ferretdb() {
  [[ -x "$FERRETDB_HOME/ferretdb" ]] && return 0
  command -v go >/dev/null || die "go is needed to build FerretDB"
  say "building FerretDB $FERRETDB_VERSION from its Go module (first run only, a few minutes)"
  local dir src
  dir=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || die "could not download the FerretDB module $FERRETDB_VERSION"
  rm -rf "$FERRETDB_HOME" && mkdir -p "$FERRETDB_HOME"
  src="$FERRETDB_HOME/src"
  cp -r "$dir" "$src" && chmod -R u+w "$src"
  # The module archive lacks the version file that FerretDB's own build task generates from git.
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  (cd "$src" && GOFLAGS=-mod=mod go build -trimpath -o "$FERRETDB_HOME/ferretdb.tmp" ./cmd/ferretdb) >&2
  mv "$FERRETDB_HOME/ferretdb.tmp" "$FERRETDB_HOME/ferretdb"
  rm -rf "$src"
}

install_smtp() {
  [[ -x "$ROOT/.venv/bin/python" ]] || die "the Python environment is missing: run 'uv sync' first"
}

# ---------------------------------------------------------------- start / stop

start_kafka() {
  if pid_alive kafka; then say "kafka already running on $KAFKA_PORT"; return 0; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process (set BORGERPLAN_KAFKA_PORT)"
  install_kafka
  local dir="$DATA/kafka" props="$DATA/kafka/server.properties"
  mkdir -p "$dir/data"
  cat >"$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  local cp="$KAFKA_HOME/libs/*"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cluster_id
    cluster_id=$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    java -Dlog4j2.configurationFile="$HERE/log4j2.yaml" -cp "$cp" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$props" >&2
  fi
  launch kafka java -Xms256m -Xmx${BORGERPLAN_KAFKA_HEAP:-768m} -XX:+UseG1GC \
    -Dlog4j2.configurationFile="$HERE/log4j2.yaml" -cp "$cp" kafka.Kafka "$props"
  wait_for kafka "$KAFKA_PORT" 120 "Kafka Server started"
  say "kafka $KAFKA_VERSION ready on 127.0.0.1:$KAFKA_PORT"
}

start_ferretdb() {
  if pid_alive ferretdb; then say "ferretdb already running on $FERRETDB_PORT"; return 0; fi
  port_open "$FERRETDB_PORT" && die "port $FERRETDB_PORT is taken by another process (set BORGERPLAN_FERRETDB_PORT)"
  install_ferretdb
  mkdir -p "$DATA/ferretdb/data" "$DATA/ferretdb/state"
  launch ferretdb "$FERRETDB_HOME/ferretdb" --handler=sqlite --sqlite-url="file:$DATA/ferretdb/data/" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" --state-dir="$DATA/ferretdb/state" \
    --telemetry=disable --log-level=warn --debug-addr=-
  wait_for ferretdb "$FERRETDB_PORT" 60
  say "ferretdb $FERRETDB_VERSION (sqlite) ready on 127.0.0.1:$FERRETDB_PORT"
}

start_smtp() {
  if pid_alive smtp; then say "smtp sink already running on $SMTP_PORT"; return 0; fi
  port_open "$SMTP_PORT" && die "port $SMTP_PORT is taken by another process (set BORGERPLAN_SMTP_PORT)"
  install_smtp
  mkdir -p "$DATA/mail"
  launch smtp "$ROOT/.venv/bin/python" -m borgerplan_cli.smtp_sink --host 127.0.0.1 --port "$SMTP_PORT" \
    --directory "$DATA/mail"
  wait_for smtp "$SMTP_PORT" 30
  say "smtp sink ready on 127.0.0.1:$SMTP_PORT, messages in $DATA/mail"
}

stop_one() {
  local name=$1 pid i
  if ! pid_alive "$name"; then rm -f "$RUN/$name.pid"; return 0; fi
  pid=$(cat "$RUN/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -0 "$pid" 2>/dev/null && { say "$name did not stop in 30s, killing"; kill -KILL "$pid" || true; }
  rm -f "$RUN/$name.pid"
  say "$name stopped"
}

status_one() {
  if pid_alive "$1"; then echo "$1: running (pid $(cat "$RUN/$1.pid"))"; else echo "$1: stopped"; fi
}

print_env() {
  cat <<ENV
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
MONGODB_URI=mongodb://127.0.0.1:$FERRETDB_PORT/
BORGERPLAN_SMTP_HOST=127.0.0.1
BORGERPLAN_SMTP_PORT=$SMTP_PORT
BORGERPLAN_MAIL_DIR=$DATA/mail
ENV
}

cmd=${1:-status}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(ferretdb kafka smtp)
for t in "${targets[@]}"; do
  case $t in kafka | ferretdb | smtp) ;; *) die "unknown server '$t' (kafka, ferretdb, smtp)" ;; esac
done

case $cmd in
  install) for t in "${targets[@]}"; do "install_$t"; done ;;
  start) for t in "${targets[@]}"; do "start_$t"; done ;;
  stop) for ((i = ${#targets[@]} - 1; i >= 0; i--)); do stop_one "${targets[i]}"; done ;;
  restart) for t in "${targets[@]}"; do stop_one "$t"; "start_$t"; done ;;
  status) for t in "${targets[@]}"; do status_one "$t"; done ;;
  env) print_env ;;
  *) die "usage: servers.sh install|start|stop|restart|status|env [kafka|ferretdb|smtp ...]" ;;
esac
