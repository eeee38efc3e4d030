#!/usr/bin/env bash
# The local servers Borgerplan needs, installed and run by the project itself (no Docker):
#   postgres  PostgreSQL 15 from Debian with the DocumentDB extension (built here), FerretDB's storage
#   ferretdb  FerretDB v2 (the MongoDB wire protocol) on that PostgreSQL; starting it starts postgres first
#   kafka     Apache Kafka (KRaft, single node) from its jars on Maven Central, run with the machine's Java
#   smtp      an SMTP sink (aiosmtpd) that keeps every message as an .eml file under the data folder
#   edge      HAProxy from Debian in front of the gateway and the pages (edge/haproxy.cfg, decision 0040): a request
#             passed on only once whole, within a read timeout, with size and per-client connection limits
#
# Usage: servers.sh install|start|stop|restart|status|env [postgres|ferretdb|kafka|smtp|edge ...]
#        servers.sh join-cpu-group PID  (the services' launcher: see join_cpu_group)
# Idempotent: start leaves a running server alone; install is cached after the first run.
# Environment (all optional):
#   BORGERPLAN_CACHE_DIR   downloads and builds, shared by every checkout (default ~/.cache/borgerplan)
#   BORGERPLAN_DATA_DIR    data and logs of this instance (default <repo>/.data; the tests use <repo>/.data/test)
#   BORGERPLAN_VENDOR_DIR  the source tarballs, when not in ../shared/vendor beside the repository
#   BORGERPLAN_KAFKA_PORT (9092) BORGERPLAN_KAFKA_CONTROLLER_PORT (9093) BORGERPLAN_FERRETDB_PORT (27017)
#   BORGERPLAN_POSTGRES_PORT (5433) BORGERPLAN_SMTP_PORT (2525)
#   BORGERPLAN_SERVER_NICE (5)  the servers' niceness: below the gateway's and the pages' (0) on one machine
#   BORGERPLAN_POSTGRES_STATEMENTS=1  load pg_stat_statements (which SQL the database spends its time on)
#   BORGERPLAN_POSTGRES_SHARED_BUFFERS (1GB)  PostgreSQL's own cache of table and index pages
#   BORGERPLAN_FERRETDB_GOGC (400) BORGERPLAN_FERRETDB_GOMAXPROCS (1)  FerretDB's Go runtime (0035)
#   BORGERPLAN_EDGE_API_PORT (8100) BORGERPLAN_EDGE_PAGES_PORT (8180)  the edge's two doors, to
#   BORGERPLAN_EDGE_GATEWAY (127.0.0.1:8000) and BORGERPLAN_EDGE_WEB (127.0.0.1:8080); the edge's limits:
#   BORGERPLAN_EDGE_READ_TIMEOUT (10s) BORGERPLAN_EDGE_MAX_HEADER_BYTES (16384) BORGERPLAN_EDGE_MAX_BODY_BYTES (1048576)
#   BORGERPLAN_EDGE_CONNECTIONS_PER_CLIENT (100) BORGERPLAN_EDGE_BUFFER_BYTES (262144)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/deploy/local"
KAFKA_VERSION=4.1.1
PG_MAJOR=15
FERRETDB_VERSION=v2.5.0
# FerretDB v2.5.0 does not build with Go 1.25+ (undefined: setGOMAXPROCS); the go command fetches this one.
FERRETDB_GOTOOLCHAIN=go1.24.6
DOCUMENTDB_VERSION=0.106.0
# The version string FerretDB v2.5.0 expects from DocumentDB (its release tag v0.106.0-ferretdb-2.5.0).
DOCUMENTDB_GIT_VERSION="HEAD sha:beb9d25d98 buildId:0"
LIBBSON_VERSION=1.28.0
PGVECTOR_VERSION=0.8.0
PG_CRON_VERSION=1.6.3

CACHE=${BORGERPLAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/borgerplan}
DATA=$(realpath -m "${BORGERPLAN_DATA_DIR:-$ROOT/.data}")
VENDOR=${BORGERPLAN_VENDOR_DIR:-$ROOT/../shared/vendor}
KAFKA_PORT=${BORGERPLAN_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${BORGERPLAN_KAFKA_CONTROLLER_PORT:-9093}
FERRETDB_PORT=${BORGERPLAN_FERRETDB_PORT:-27017}
# Not 5432, so a PostgreSQL the machine itself runs never clashes with ours.
POSTGRES_PORT=${BORGERPLAN_POSTGRES_PORT:-5433}
SMTP_PORT=${BORGERPLAN_SMTP_PORT:-2525}
EDGE_API_PORT=${BORGERPLAN_EDGE_API_PORT:-8100}
EDGE_PAGES_PORT=${BORGERPLAN_EDGE_PAGES_PORT:-8180}
SERVER_NICE=${BORGERPLAN_SERVER_NICE:-5}

KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
FERRETDB_HOME="$CACHE/ferretdb-$FERRETDB_VERSION"
LIBBSON_HOME="$CACHE/libbson-$LIBBSON_VERSION"
# What this script built into PostgreSQL's own directories, one marker per extension and version.
EXTENSIONS_MARKERS="$CACHE/postgresql-$PG_MAJOR-extensions"
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_USER=borgerplan
LOGS="$DATA/logs"
RUN="$DATA/run"

# The four sources Debian does not package: the mirror's file and its sha256 (../shared/vendor/SHA256SUMS), then
# the upstream archive and its sha256. The mirror's files are repacked (a plain top folder; DocumentDB and
# libbson trimmed to what the build needs), so their bytes and sums differ from upstream's. The upstream sums
# of pgvector and libbson are the ones published build recipes pin; those of pg_cron and DocumentDB could not
# be checked from here, so they are "-" and such a download is refused rather than built unchecked.
SOURCES=(
  "libbson mongo-c-driver-$LIBBSON_VERSION-libbson.tar.gz
   ae28684ee06564317f62ca7c4407660795d4efbbe77f2db9d244597679d9aecd
   https://github.com/mongodb/mongo-c-driver/releases/download/$LIBBSON_VERSION/mongo-c-driver-$LIBBSON_VERSION.tar.gz
   bec90c85361b4a9f89d80243440d53f39b9e706b1fe4bf901c4d3ffd6f50fbdb"
  "pgvector pgvector-v$PGVECTOR_VERSION.tar.gz
   f0543465195f9fab200b42b272a60352ddeb1109da703aeac76d8506c53a8540
   https://github.com/pgvector/pgvector/archive/refs/tags/v$PGVECTOR_VERSION.tar.gz
   867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0"
  "pg_cron pg_cron-v$PG_CRON_VERSION.tar.gz
   7ec9a82717ee79ccd4fcd78052fbd4b881da40700ba024ce0ecec07485dbdcc5
   https://github.com/citusdata/pg_cron/archive/refs/tags/v$PG_CRON_VERSION.tar.gz
   -"
  "documentdb documentdb-v$DOCUMENTDB_VERSION-ferretdb-2.5.0-min.tar.gz
   f68f3dfdcdf659043280f634919b82c14740bb87f6974c93a061f65fe250c039
   https://github.com/FerretDB/documentdb/archive/refs/tags/v$DOCUMENTDB_VERSION-ferretdb-2.5.0.tar.gz
   -"
)

# Debian packages: PostgreSQL and what the extensions build against. Not postgresql-15-cron: its files clash
# with pg_cron 1.6.3, which DocumentDB needs (bookworm's 1.4.2 rejects its "2 seconds" schedules).
APT_PACKAGES=(
  "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" "postgresql-$PG_MAJOR-rum" "postgresql-$PG_MAJOR-postgis-3"
  libintelrdfpmath-dev libpcre2-dev libkrb5-dev libicu-dev libssl-dev build-essential pkg-config cmake
)

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
  # At a lower priority than the edges (the gateway and the pages, see cli/stack.py): on one machine the process
  # that sheds load must get the CPU to refuse before the work it admitted gets more (decision 0034). The proxy in
  # front of them is an edge too (LAUNCH_NICE=0).
  setsid nohup nice -n "${LAUNCH_NICE:-$SERVER_NICE}" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

# Niceness only orders processes that share a scheduling group. Where everything runs in the root cpu cgroup with the
# kernel's autogroups on (a VM without systemd, like CI's machine), each session is a group of its own, weighed
# equally whatever its niceness, and PostgreSQL starts every backend in a session of its own: the servers' and the
# services' nice 5 then count the same as the gateway's 0 (measured: two busy loops at nice 0 and 10, each in its own
# session, got 50 % each). So the process that launches them joins one cpu cgroup of its own, where autogroups do
# not apply and its children's niceness does (decision 0034). Elsewhere (systemd sessions, containers) the processes
# are in a cgroup already and nothing is done.
join_cpu_group() { # pid... : each of them, and (servers started before this existed) their children
  local pid child group=/sys/fs/cgroup/cpu/borgerplan
  [[ $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]] || return 0
  for pid; do
    [[ -r /proc/$pid/cgroup ]] || continue
    if grep -qE '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:/$' "/proc/$pid/cgroup"; then
      if ! { mkdir -p "$group" 2>/dev/null && echo "$pid" 2>/dev/null >"$group/cgroup.procs"; }; then
        say "note: the processes' niceness has no effect here (autogroups on, and $group cannot be made)"
        return 0
      fi
      for child in $(pgrep -P "$pid"); do join_cpu_group "$child"; done
    elif grep -qE '^0::/$' "/proc/$pid/cgroup" && ! grep -qE '^[0-9]+:([^:]*,)?cpu[,:]' "/proc/$pid/cgroup"; then
      say "note: the processes' niceness has no effect here (autogroups on, in the root of cgroup v2)"
      return 0
    fi
  done
}

elapsed() { echo "$((SECONDS - $1))s"; }

locked() { # command... : one install at a time per cache, as make dev and make test may start together
  mkdir -p "$CACHE"
  (flock 9; "$@") 9>"$CACHE/.install.lock"
}

# PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged system user; setpriv
# execs (no extra process), so the pid file holds the postmaster itself.
AS_PG_USER=()
((EUID == 0)) && AS_PG_USER=(setpriv --reuid="$PG_USER" --regid="$PG_USER" --init-groups --reset-env --)
as_pg_user() { "${AS_PG_USER[@]}" "$@"; }

# ---------------------------------------------------------------- install (cached)

install_kafka() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  command -v java >/dev/null || die "java (17 or newer) is needed to run Kafka"
  command -v mvn >/dev/null || die "mvn is needed to fetch the Kafka jars from Maven Central"
  say "fetching Apache Kafka $KAFKA_VERSION jars (first run only)"
  local t0=$SECONDS
  rm -rf "$KAFKA_HOME" && mkdir -p "$KAFKA_HOME"
  mvn -q -B -f "$HERE/kafka-pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" >&2
  touch "$KAFKA_HOME/.complete"
  say "kafka jars fetched in $(elapsed "$t0")"
}

install_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  ((EUID == 0)) || die "missing Debian packages; install them once as root: apt-get install ${missing[*]}"
  say "installing Debian packages: ${missing[*]} (first run only)"
  local t0=$SECONDS
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  say "Debian packages installed in $(elapsed "$t0")"
}

source_tarball() { # name -> prints the path of its checked tarball
  local entry fields name file sum url upstream_sum path
  for entry in "${SOURCES[@]}"; do
    read -r -d '' -a fields <<<"$entry" || true
    name=${fields[0]} file=${fields[1]} sum=${fields[2]} url=${fields[3]} upstream_sum=${fields[4]}
    [[ $name == "$1" ]] && break
  done
  [[ $name == "$1" ]] || die "no source named $1"
  if [[ -d $VENDOR ]]; then
    path="$VENDOR/$file"
    [[ -f $path ]] || die "$file is missing from $VENDOR"
  else
    path="$CACHE/downloads/${url##*/}"
    sum=$upstream_sum
    [[ $sum != - ]] || die "no sha256 pinned for $url: check it and add it to SOURCES in $0, or provide $VENDOR"
    if [[ ! -f $path ]]; then
      say "downloading $url"
      mkdir -p "$CACHE/downloads"
      curl -fsSL --connect-timeout 20 --retry 3 -o "$path.part" "$url" || die "could not download $url"
      mv "$path.part" "$path"
    fi
  fi
  echo "$sum  $path" | sha256sum --check --quiet >&2 || {
    [[ $path == "$CACHE"/* ]] && rm -f "$path"
    die "$path does not match its sha256 $sum"
  }
  echo "$path"
}

unpack() { # name directory : a fresh copy of a source, whatever its top folder is called
  local tarball
  tarball=$(source_tarball "$1")
  rm -rf "$2" && mkdir -p "$2"
  tar -xzf "$tarball" -C "$2" --strip-components=1
}

pg_config_of() { "$PG_BIN/pg_config" "$@"; }

extension_installed() { # name version control-file library
  [[ -f "$EXTENSIONS_MARKERS/$1-$2" && -f "$(pg_config_of --sharedir)/extension/$3" &&
    -f "$(pg_config_of --pkglibdir)/$4" ]]
}

mark_installed() { # name version
  mkdir -p "$EXTENSIONS_MARKERS" && rm -f "$EXTENSIONS_MARKERS/$1"-* && touch "$EXTENSIONS_MARKERS/$1-$2"
}

need_root_for() {
  ((EUID == 0)) || die "building $1 installs into PostgreSQL's directories: run once as root: $0 install postgres"
}

install_libbson() {
  [[ -f "$LIBBSON_HOME/.complete" ]] && return 0
  say "building libbson $LIBBSON_VERSION (static, first run only)"
  local t0=$SECONDS src="$CACHE/build/libbson"
  unpack libbson "$src"
  rm -rf "$LIBBSON_HOME"
  # Into a private prefix, as bookworm's libbson (1.23) lacks BSON_SUBTYPE_SENSITIVE; static and
  # position-independent, as it is linked into DocumentDB's shared library and nothing needs it at run time.
  cmake -S "$src" -B "$src/_build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$LIBBSON_HOME" \
    -DCMAKE_C_FLAGS=-fPIC -DENABLE_PIC=ON -DENABLE_STATIC=ON -DENABLE_SHARED=OFF -DENABLE_MONGOC=OFF \
    -DENABLE_TESTS=OFF -DENABLE_EXAMPLES=OFF -DENABLE_MAN_PAGES=OFF -DENABLE_HTML_DOCS=OFF \
    -DENABLE_UNINSTALL=OFF >"$src.log" 2>&1 || { tail -n 30 "$src.log" >&2; die "libbson: cmake failed"; }
  cmake --build "$src/_build" --target install -j "$(nproc)" >>"$src.log" 2>&1 ||
    { tail -n 30 "$src.log" >&2; die "libbson: build failed (log: $src.log)"; }
  touch "$LIBBSON_HOME/.complete"
  rm -rf "$src" "$src.log"
  say "libbson built in $(elapsed "$t0")"
}

install_pgvector() {
  extension_installed pgvector "$PGVECTOR_VERSION" vector.control vector.so && return 0
  need_root_for pgvector
  say "building pgvector $PGVECTOR_VERSION (first run only)"
  local t0=$SECONDS src="$CACHE/build/pgvector"
  unpack pgvector "$src"
  # No -march=native: the extension must run on any x86-64 this cache or machine image is copied to.
  { make -C "$src" -j "$(nproc)" OPTFLAGS="" PG_CONFIG="$PG_BIN/pg_config" &&
    make -C "$src" install OPTFLAGS="" PG_CONFIG="$PG_BIN/pg_config"; } >"$src.log" 2>&1 ||
    { tail -n 30 "$src.log" >&2; die "pgvector: build failed"; }
  mark_installed pgvector "$PGVECTOR_VERSION"
  rm -rf "$src" "$src.log"
  say "pgvector built in $(elapsed "$t0")"
}

install_pg_cron() {
  extension_installed pg_cron "$PG_CRON_VERSION" pg_cron.control pg_cron.so && return 0
  need_root_for pg_cron
  say "building pg_cron $PG_CRON_VERSION (first run only)"
  local t0=$SECONDS src="$CACHE/build/pg_cron"
  unpack pg_cron "$src"
  { make -C "$src" -j "$(nproc)" PG_CONFIG="$PG_BIN/pg_config" &&
    make -C "$src" install PG_CONFIG="$PG_BIN/pg_config"; } >"$src.log" 2>&1 ||
    { tail -n 30 "$src.log" >&2; die "pg_cron: build failed"; }
  mark_installed pg_cron "$PG_CRON_VERSION"
  rm -rf "$src" "$src.log"
  say "pg_cron built in $(elapsed "$t0")"
}

install_documentdb() {
  extension_installed documentdb "$DOCUMENTDB_VERSION" documentdb.control pg_documentdb.so && return 0
  need_root_for DocumentDB
  install_libbson
  say "building DocumentDB $DOCUMENTDB_VERSION (first run only, about a minute)"
  local t0=$SECONDS src="$CACHE/build/documentdb" pc="$CACHE/build/pkgconfig" dir
  unpack documentdb "$src"
  # Debian ships the Intel decimal library as libbidgcc000.a without a pkg-config file; DocumentDB asks for one.
  mkdir -p "$pc"
  cat >"$pc/intelmathlib.pc" <<PC
Name: intelmathlib
Description: Intel Decimal Floating-Point Math Library (Debian's libintelrdfpmath-dev)
Version: 2.0
Libs: -lbidgcc000
Cflags:
PC
  # A tarball has no .git, from which DocumentDB's build writes its version; FerretDB checks this string.
  mkdir -p "$src/pg_documentdb/build/include/metadata"
  cat >"$src/pg_documentdb/build/include/metadata/documentdb_extension_version.h" <<H
// Written by deploy/local/servers.sh: the release tag's version, as DocumentDB's build writes it from git
#define EXTENSION_VERSION_STR "$DOCUMENTDB_VERSION"
#define GIT_VERSION "$DOCUMENTDB_GIT_VERSION"
H
  for dir in pg_documentdb_core pg_documentdb; do
    # INSIDE_GIT_REPO=false: a cache inside some git work tree must not lend the build its version.
    { PKG_CONFIG_PATH="$LIBBSON_HOME/lib/pkgconfig:$pc" PATH="$PG_BIN:$PATH" make -C "$src/$dir" \
        -j "$(nproc)" INSIDE_GIT_REPO=false PG_CONFIG="$PG_BIN/pg_config" &&
      PKG_CONFIG_PATH="$LIBBSON_HOME/lib/pkgconfig:$pc" PATH="$PG_BIN:$PATH" make -C "$src/$dir" install \
        INSIDE_GIT_REPO=false PG_CONFIG="$PG_BIN/pg_config"; } >>"$src.log" 2>&1 ||
      { tail -n 30 "$src.log" >&2; die "DocumentDB: $dir failed to build (log: $src.log)"; }
  done
  mark_installed documentdb "$DOCUMENTDB_VERSION"
  rm -rf "$src" "$src.log" "$pc"
  say "DocumentDB built in $(elapsed "$t0")"
}

install_postgres() {
  install_apt_packages
  [[ -x "$PG_BIN/postgres" ]] || die "PostgreSQL $PG_MAJOR is not installed ($PG_BIN/postgres is missing)"
  install_pgvector
  install_pg_cron
  install_documentdb
  rm -rf "$CACHE/build"
}

install_ferretdb() {
  [[ -x "$FERRETDB_HOME/ferretdb" ]] && return 0
  command -v go >/dev/null ||
    die "go (1.21 or newer, which fetches the $FERRETDB_GOTOOLCHAIN toolchain) is needed to build FerretDB"
  say "building FerretDB $FERRETDB_VERSION from its Go module (first run only, a minute or two)"
  local t0=$SECONDS
  mkdir -p "$FERRETDB_HOME"
  # GONOSUMDB: the checksum database has no entry for the FerretDB/wire pseudo-version FerretDB pins; the
  # module is still checked against FerretDB's own go.sum.
  GOTOOLCHAIN=$FERRETDB_GOTOOLCHAIN GONOSUMDB=github.com/FerretDB/wire GOBIN="$FERRETDB_HOME/.bin" \
    go install -trimpath "github.com/FerretDB/FerretDB/v2/cmd/ferretdb@$FERRETDB_VERSION" >&2 ||
    die "could not build FerretDB $FERRETDB_VERSION"
  mv "$FERRETDB_HOME/.bin/ferretdb" "$FERRETDB_HOME/ferretdb"
  rm -rf "$FERRETDB_HOME/.bin"
  say "FerretDB built in $(elapsed "$t0")"
}

install_edge() {
  command -v haproxy >/dev/null && return 0
  ((EUID == 0)) || die "HAProxy is missing; install it once as root: apt-get install haproxy"
  say "installing HAProxy from Debian (first run only)"
  local t0=$SECONDS
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends haproxy >&2
  # Debian's package starts its own service with /etc/haproxy; ours runs from this project's file only.
  if command -v systemctl >/dev/null && systemctl is-active --quiet haproxy 2>/dev/null; then
    systemctl disable --now haproxy >&2 || true
  fi
  say "HAProxy installed in $(elapsed "$t0")"
}

install_smtp() {
  [[ -x "$ROOT/.venv/bin/python" ]] || die "the Python environment is missing: run 'uv sync' first"
}

# ---------------------------------------------------------------- start / stop

start_kafka() {
  if pid_alive kafka; then say "kafka already running on $KAFKA_PORT"; return 0; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process (set BORGERPLAN_KAFKA_PORT)"
  locked install_kafka
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

ensure_pg_user() {
  ((EUID == 0)) || return 0
  id -u "$PG_USER" >/dev/null 2>&1 && return 0
  say "creating the system user $PG_USER, who owns the local PostgreSQL cluster (PostgreSQL refuses root)"
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
}

start_postgres() {
  if pid_alive postgres; then say "postgres already running on $POSTGRES_PORT"; return 0; fi
  port_open "$POSTGRES_PORT" && die "port $POSTGRES_PORT is taken by another process (set BORGERPLAN_POSTGRES_PORT)"
  locked install_postgres
  ensure_pg_user
  local pgdata="$DATA/postgres" socket_dir="$RUN/postgres" sockets
  mkdir -p "$pgdata" "$socket_dir" "$LOGS"
  if ((EUID == 0)); then
    chown "$PG_USER:$PG_USER" "$pgdata" "$socket_dir"
    as_pg_user test -w "$pgdata" ||
      die "the user $PG_USER cannot reach $pgdata (a parent folder is closed to others): set BORGERPLAN_DATA_DIR"
  fi
  chmod 700 "$pgdata"
  if [[ ! -f "$pgdata/PG_VERSION" ]]; then
    say "creating the PostgreSQL cluster in $pgdata"
    # Trust, on 127.0.0.1 and this instance's own socket only: a developer's or CI's throwaway database.
    as_pg_user "$PG_BIN/initdb" --pgdata="$pgdata" --username="$PG_USER" --auth=trust --encoding=UTF8 \
      --no-locale --no-instructions >"$LOGS/postgres-initdb.log" 2>&1 ||
      { tail -n 20 "$LOGS/postgres-initdb.log" >&2; die "initdb failed (log: $LOGS/postgres-initdb.log)"; }
    echo "include 'borgerplan.conf'" >>"$pgdata/postgresql.conf"
  fi
  # A unix socket path longer than 107 bytes cannot be bound; a deep checkout then gets TCP only.
  sockets=$socket_dir
  ((${#socket_dir} + 20 < 108)) || { say "socket path too long, postgres listens on TCP only"; sockets=; }
  # Rewritten on every start, so the ports and folders of this instance always apply.
  cat >"$pgdata/borgerplan.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $POSTGRES_PORT
unix_socket_directories = '$sockets'
shared_preload_libraries = 'pg_cron,pg_documentdb_core,pg_documentdb${BORGERPLAN_POSTGRES_STATEMENTS:+,pg_stat_statements}'
cron.database_name = 'postgres'
# DocumentDB schedules jobs every few seconds; logging each run would fill the log and cron.job_run_details.
cron.log_run = off
cron.log_statement = off
# As FerretDB's own PostgreSQL+DocumentDB image sets them.
documentdb.enableCompact = true
documentdb.enableLetAndCollationForQueryMatch = true
documentdb.enableNowSystemVariable = true
documentdb.enableSortbyIdPushDownToPrimaryKey = true
documentdb.enableSchemaValidation = true
documentdb.enableBypassDocumentValidation = true
documentdb.enableUserCrud = true
documentdb.maxUserLimit = 100
# A find with a sort (or a skip, or a limit above one) makes a "persisted" cursor. By default DocumentDB keeps it
# in the PostgreSQL session, so FerretDB takes that connection out of its pool for the cursor and closes it
# afterwards: measured, every sorted query then cost a new backend (fork, extension load, FerretDB's checks), four
# per composed view and more than half of PostgreSQL's CPU. Kept in files instead, the connection goes back to
# the pool.
documentdb.useFileBasedPersistedCursors = on
# PostgreSQL's default cache (128 MB) is smaller than a municipality's data (bench/scale.py prints the size): past
# it every read copies pages from the kernel's cache and every write may first evict a dirty page itself.
shared_buffers = ${BORGERPLAN_POSTGRES_SHARED_BUFFERS:-1GB}
# A developer's and CI's database: a crash may lose the last fraction of a second of commits (never
# corrupts), which nobody here needs, and every test's many small writes stop waiting for an fsync each.
synchronous_commit = off
# FerretDB's pool opens at most 50 connections (its pool_max_conns); the rest is for pg_cron and psql.
max_connections = 100
# Slow statements show in the log under the data folder, without their parameters: those are whole documents,
# megabytes for a bulk insert.
log_min_duration_statement = 1000
log_parameter_max_length = 0
log_line_prefix = '%m [%p] '
# Each autovacuum run that took a quarter second or more, with its CPU and what it read: the benchmarks' slowest
# moments can then be laid beside them.
log_autovacuum_min_duration = 250
CONF
  launch postgres "${AS_PG_USER[@]}" "$PG_BIN/postgres" -D "$pgdata"
  wait_for postgres "$POSTGRES_PORT" 60 "database system is ready to accept connections"
  # Idempotent and quick; on the first start it creates DocumentDB's schemas (and pg_cron, its dependency).
  PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    "postgres://$PG_USER@127.0.0.1:$POSTGRES_PORT/postgres" \
    -c "CREATE EXTENSION IF NOT EXISTS documentdb CASCADE" >&2 ||
    die "could not create the documentdb extension (log: $LOGS/postgres.log)"
  say "postgres $PG_MAJOR with DocumentDB $DOCUMENTDB_VERSION ready on 127.0.0.1:$POSTGRES_PORT"
}

start_ferretdb() {
  if pid_alive ferretdb; then say "ferretdb already running on $FERRETDB_PORT"; return 0; fi
  port_open "$FERRETDB_PORT" && die "port $FERRETDB_PORT is taken by another process (set BORGERPLAN_FERRETDB_PORT)"
  pid_alive postgres || die "ferretdb needs postgres: servers.sh start ferretdb starts both"
  locked install_ferretdb
  mkdir -p "$DATA/ferretdb/state"
  # The collector at a quarter of its default frequency: about 10 % less of FerretDB's CPU per request for 13 MB more
  # memory. One thread for Go code: FerretDB mostly waits for PostgreSQL, and on a machine shared with the services
  # more threads cost it CPU and context switches (measured, decision 0035). The core count as
  # BORGERPLAN_FERRETDB_GOMAXPROCS gives Go's default back.
  launch ferretdb env GOGC="${BORGERPLAN_FERRETDB_GOGC:-400}" GOMAXPROCS="${BORGERPLAN_FERRETDB_GOMAXPROCS:-1}" \
    "$FERRETDB_HOME/ferretdb" \
    --postgresql-url="postgres://$PG_USER@127.0.0.1:$POSTGRES_PORT/postgres" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" --no-auth --state-dir="$DATA/ferretdb/state" \
    --telemetry=disable --log-level=warn --debug-addr=-
  wait_for ferretdb "$FERRETDB_PORT" 60
  say "ferretdb $FERRETDB_VERSION ready on 127.0.0.1:$FERRETDB_PORT"
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

start_edge() {
  if pid_alive edge; then say "edge already running on $EDGE_API_PORT and $EDGE_PAGES_PORT"; return 0; fi
  local port
  for port in "$EDGE_API_PORT" "$EDGE_PAGES_PORT"; do
    port_open "$port" && die "port $port is taken by another process (set BORGERPLAN_EDGE_API_PORT/_PAGES_PORT)"
  done
  locked install_edge
  export BORGERPLAN_EDGE_API_BIND="127.0.0.1:$EDGE_API_PORT" BORGERPLAN_EDGE_PAGES_BIND="127.0.0.1:$EDGE_PAGES_PORT" \
    BORGERPLAN_EDGE_GATEWAY="${BORGERPLAN_EDGE_GATEWAY:-127.0.0.1:8000}" BORGERPLAN_EDGE_WEB="${BORGERPLAN_EDGE_WEB:-127.0.0.1:8080}" \
    BORGERPLAN_EDGE_READ_TIMEOUT="${BORGERPLAN_EDGE_READ_TIMEOUT:-10s}" \
    BORGERPLAN_EDGE_MAX_HEADER_BYTES="${BORGERPLAN_EDGE_MAX_HEADER_BYTES:-16384}" \
    BORGERPLAN_EDGE_MAX_BODY_BYTES="${BORGERPLAN_EDGE_MAX_BODY_BYTES:-1048576}" \
    BORGERPLAN_EDGE_CONNECTIONS_PER_CLIENT="${BORGERPLAN_EDGE_CONNECTIONS_PER_CLIENT:-100}" \
    BORGERPLAN_EDGE_BUFFER_BYTES="${BORGERPLAN_EDGE_BUFFER_BYTES:-262144}" BORGERPLAN_EDGE_ERRORS="$HERE/edge"
  haproxy -q -c -f "$HERE/edge/haproxy.cfg" >&2 || die "the edge's configuration does not parse"
  # -db: in the foreground, so the pid file is HAProxy's own; at the edges' priority (decision 0034)
  LAUNCH_NICE=0 launch edge haproxy -db -f "$HERE/edge/haproxy.cfg"
  wait_for edge "$EDGE_PAGES_PORT" 30
  wait_for edge "$EDGE_API_PORT" 30
  say "edge (HAProxy) ready: API on 127.0.0.1:$EDGE_API_PORT -> $BORGERPLAN_EDGE_GATEWAY," \
    "pages on 127.0.0.1:$EDGE_PAGES_PORT -> $BORGERPLAN_EDGE_WEB"
}

stop_one() {
  local name=$1 pid i signal=TERM
  if ! pid_alive "$name"; then rm -f "$RUN/$name.pid"; return 0; fi
  pid=$(cat "$RUN/$name.pid")
  # PostgreSQL's TERM waits for every client to disconnect; INT ("fast") ends their sessions and checkpoints.
  [[ $name == postgres ]] && signal=INT
  kill -"$signal" "$pid" 2>/dev/null || true
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
BORGERPLAN_POSTGRES_URL=postgres://$PG_USER@127.0.0.1:$POSTGRES_PORT/postgres
BORGERPLAN_SMTP_HOST=127.0.0.1
BORGERPLAN_SMTP_PORT=$SMTP_PORT
BORGERPLAN_MAIL_DIR=$DATA/mail
BORGERPLAN_EDGE_API_URL=http://localhost:$EDGE_API_PORT
BORGERPLAN_EDGE_PAGES_URL=http://localhost:$EDGE_PAGES_PORT
ENV
}

cmd=${1:-status}
shift || true
if [[ $cmd == join-cpu-group ]]; then join_cpu_group "${1:?join-cpu-group needs a pid}"; exit 0; fi
# FerretDB is nothing without its PostgreSQL: naming ferretdb means both, and stopping postgres stops
# ferretdb first. The list is kept in start order; stop walks it backwards.
targets=()
add() { local t; for t; do [[ " ${targets[*]} " == *" $t "* ]] || targets+=("$t"); done; }
(($#)) || set -- postgres ferretdb kafka smtp edge
for t; do
  case $t in
    ferretdb) add postgres ferretdb ;;
    postgres) if [[ $cmd == stop || $cmd == restart ]]; then add postgres ferretdb; else add postgres; fi ;;
    kafka | smtp | edge) add "$t" ;;
    *) die "unknown server '$t' (postgres, ferretdb, kafka, smtp, edge)" ;;
  esac
done

case $cmd in
  install) for t in "${targets[@]}"; do locked "install_$t"; done ;;
  start)
    join_cpu_group $$
    for t in "${targets[@]}"; do "start_$t"; done
    # servers this instance already ran (started before the group existed, or by an older script) join it too
    for t in "${targets[@]}"; do if pid_alive "$t"; then join_cpu_group "$(cat "$RUN/$t.pid")"; fi; done
    ;;
  stop) for ((i = ${#targets[@]} - 1; i >= 0; i--)); do stop_one "${targets[i]}"; done ;;
  restart)
    join_cpu_group $$
    for ((i = ${#targets[@]} - 1; i >= 0; i--)); do stop_one "${targets[i]}"; done
    for t in "${targets[@]}"; do "start_$t"; done
    ;;
  status) for t in "${targets[@]}"; do status_one "$t"; done ;;
  env) print_env ;;
  *) die "usage: servers.sh install|start|stop|restart|status|env [postgres|ferretdb|kafka|smtp|edge ...] | join-cpu-group PID" ;;
esac
