#!/usr/bin/env bash
# Local portable-runner clusters for datasteward, installed under the repo (gitignored), never in .venv.
#
#   scripts/cluster.sh flink start|stop|install   Apache Flink 2.2.1 from PyPI (apache-flink-libraries) in .flink/:
#                                                 a JobManager and a TaskManager with 2 slots on JDK 17, Beam's
#                                                 Flink job server (jar from Maven Central) and a Beam worker pool.
#   scripts/cluster.sh prism start|stop|install   Beam's Prism runner (built with `go install` from the Go module
#                                                 proxy) in .prism/ and a Beam worker pool.
#
# Environment: FLINK_VERSION (2.2.1), FLINK_SLOTS (2), JOB_PORT (8099), WORKER_POOL_PORT (50000), PY (.venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
FLINK_VERSION=${FLINK_VERSION:-2.2.1}
FLINK_SLOTS=${FLINK_SLOTS:-2}
JOB_PORT=${JOB_PORT:-8099}
WORKER_POOL_PORT=${WORKER_POOL_PORT:-50000}
# the installed distribution's version, without importing Beam (whose import logs a BigQuery warning)
BEAM_VERSION=$("$PY" -c 'from importlib.metadata import version; print(version("apache-beam"))')
FLINK_MINOR=${FLINK_VERSION%.*}
JAR_NAME=beam-runners-flink-$FLINK_MINOR-job-server-$BEAM_VERSION.jar
JAR=${FLINK_JOB_SERVER_JAR:-$HOME/.apache_beam/cache/jars/$JAR_NAME}
RUN=$ROOT/.cluster
mkdir -p "$RUN"

log() { echo "cluster: $*" >&2; }

wait_port() {  # host port seconds
  for _ in $(seq "$3"); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 1
  done
  log "nothing listens on $1:$2 after $3 s"; return 1
}

start_worker_pool() {
  # SDK harness processes of their own (--environment_type=EXTERNAL): the pool starts each worker with
  # `python -c ...`, so the project's venv goes first on PATH; the repo root is the working directory.
  PATH="$(dirname "$PY"):$PATH" nohup "$PY" -m apache_beam.runners.worker.worker_pool_main \
    --service_port="$WORKER_POOL_PORT" >"$RUN/worker_pool.log" 2>&1 &
  echo $! >"$RUN/worker_pool.pid"
  wait_port localhost "$WORKER_POOL_PORT" 60
  log "Beam worker pool on localhost:$WORKER_POOL_PORT (pid $(cat "$RUN/worker_pool.pid"))"
}

stop_pid() {
  local f=$RUN/$1.pid
  if [[ -f $f ]]; then
    local pid; pid=$(cat "$f")
    # the pid and its children (the SDK workers it started), by id
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  fi
}

# ---- Flink ---------------------------------------------------------------------------------------
FLINK_HOME=$ROOT/.flink/pyflink

flink_install() {
  if [[ ! -x $FLINK_HOME/bin/jobmanager.sh ]]; then
    log "installing Flink $FLINK_VERSION from PyPI into .flink/"
    python3 -m pip install --quiet --no-deps --target "$ROOT/.flink" \
      "apache-flink-libraries==$FLINK_VERSION" "apache-flink==$FLINK_VERSION"
    chmod +x "$FLINK_HOME"/bin/*
  fi
  sed -i "s/numberOfTaskSlots: [0-9]*/numberOfTaskSlots: $FLINK_SLOTS/" "$FLINK_HOME/conf/config.yaml"
  if [[ ! -s $JAR ]]; then
    log "fetching org.apache.beam:beam-runners-flink-$FLINK_MINOR-job-server:$BEAM_VERSION from Maven Central"
    mkdir -p "$(dirname "$JAR")"
    if ! mvn -B -q -U org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
        -Dartifact="org.apache.beam:beam-runners-flink-$FLINK_MINOR-job-server:$BEAM_VERSION" \
        -DoutputDirectory="$(dirname "$JAR")" >"$RUN/mvn.log" 2>&1; then
      grep -m1 "ERROR" "$RUN/mvn.log" >&2 || true
      log "the Beam Flink job-server jar could not be fetched (see $RUN/mvn.log); put it at $JAR or set FLINK_JOB_SERVER_JAR"
      return 3
    fi
  fi
}

flink_start() {
  flink_install
  export FLINK_CONF_DIR=$FLINK_HOME/conf FLINK_LOG_DIR=$RUN/flink-log
  mkdir -p "$FLINK_LOG_DIR"
  "$FLINK_HOME/bin/jobmanager.sh" start >/dev/null
  "$FLINK_HOME/bin/taskmanager.sh" start >/dev/null
  wait_port localhost 8081 120
  for _ in $(seq 120); do
    curl -s localhost:8081/overview | grep -q "\"slots-total\":$FLINK_SLOTS" && break
    sleep 1
  done
  log "Flink $FLINK_VERSION: $(curl -s localhost:8081/overview)"
  nohup java -jar "$JAR" --flink-master=localhost:8081 --job-port="$JOB_PORT" --artifact-port=0 --expansion-port=0 \
    >"$RUN/job_server.log" 2>&1 &
  echo $! >"$RUN/job_server.pid"
  wait_port localhost "$JOB_PORT" 120
  start_worker_pool
  log "run with: --runner=PortableRunner --job_endpoint=localhost:$JOB_PORT --environment_type=EXTERNAL --environment_config=localhost:$WORKER_POOL_PORT"
}

flink_stop() {
  stop_pid worker_pool
  stop_pid job_server
  if [[ -x $FLINK_HOME/bin/taskmanager.sh ]]; then
    export FLINK_CONF_DIR=$FLINK_HOME/conf FLINK_LOG_DIR=$RUN/flink-log
    "$FLINK_HOME/bin/taskmanager.sh" stop-all >/dev/null 2>&1 || true
    "$FLINK_HOME/bin/jobmanager.sh" stop-all >/dev/null 2>&1 || true
  fi
  log "Flink stopped"
}

# ---- Prism ---------------------------------------------------------------------------------------
PRISM=$ROOT/.prism/bin/prism

prism_install() {
  if [[ ! -x $PRISM ]]; then
    log "building Prism v$BEAM_VERSION with go install (minutes)"
    GOBIN=$ROOT/.prism/bin GOFLAGS=-buildvcs=false go install "github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION"
  fi
}

prism_start() {
  prism_install
  nohup "$PRISM" --job_port="$JOB_PORT" --log_level=warn >"$RUN/prism.log" 2>&1 &
  echo $! >"$RUN/prism.pid"
  wait_port localhost "$JOB_PORT" 60
  start_worker_pool
  log "Prism on localhost:$JOB_PORT; run with: --runner=PortableRunner --job_endpoint=localhost:$JOB_PORT --environment_type=EXTERNAL --environment_config=localhost:$WORKER_POOL_PORT"
}

prism_stop() {
  stop_pid worker_pool
  stop_pid prism
  log "Prism stopped"
}

case "${1:-} ${2:-}" in
  "flink install") flink_install ;;
  "flink start") flink_start ;;
  "flink stop") flink_stop ;;
  "prism install") prism_install ;;
  "prism start") prism_start ;;
  "prism stop") prism_stop ;;
  *) echo "usage: $0 flink|prism install|start|stop" >&2; exit 64 ;;
esac
