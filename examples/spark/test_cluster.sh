#!/usr/bin/env bash
# The Spark job on a real standalone cluster: a master and two workers, each
# its own process on 127.0.0.1, the job submitted with spark-submit. Installs
# what it needs (Java from Debian's packages if missing, pyspark into
# .venv-spark, the framelens wheel from ./bindings/python), then runs
# examples/spark/test_cluster.py. From the repository root, after
# tests/setup has fetched the models:
#
#   examples/spark/test_cluster.sh
#
# Needs ../shared/data/globalvoices beside the clone (or FRAMELENS_SHARED).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
venv=.venv-spark

# Spark 4 runs on Java 17 or later.
java_major() { java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1; }
if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless
fi
java -version 2>&1 | head -n 1

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r examples/spark/requirements.txt
# The wheel's build shares the core crate's target/ (as bindings/python/ci.sh
# does), so the dependencies compiled for `cargo test --release` are reused.
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}" \
  "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
cargo build --release --example batch

# The test stops the cluster itself; should it die first, the process groups
# it recorded (each daemon and spark-submit runs in its own) are ended here.
pids=target/spark-test/cluster/pids
stop_cluster() {
  [ -f "$pids" ] || return 0
  while read -r pid; do
    if ! command -v pgrep >/dev/null || pgrep -g "$pid" >/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  done < "$pids"
}
trap stop_cluster EXIT

export PYTHONDONTWRITEBYTECODE=1
status=0
"$venv/bin/python" -m pytest -v -p no:cacheprovider examples/spark/test_cluster.py || status=$?
cat target/spark-test/figures.txt 2>/dev/null || true
echo "spark cluster test: $((SECONDS - started)) s in all (installs included)"
exit "$status"
