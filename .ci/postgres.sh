# Sourced by .ci/run: start a local PostgreSQL for the manifest-store tests and export
# VERACITY_TEST_PG_URL. Without root/apt-get or on any failure it prints why and the
# PostgreSQL tests skip (they never fail for want of a server).
_pg_fallback() {
  echo "ci: PostgreSQL unavailable ($1); PostgreSQL manifest-store tests will be skipped" >&2
}

_pg_setup() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    _pg_fallback "needs root and apt-get"; return 0
  fi
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1; then
      _pg_fallback "apt-get install postgresql failed"; return 0
    fi
  fi
  local ver
  ver=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1 {print $1}')
  if [ -z "$ver" ]; then
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_createcluster "$ver" main >/dev/null 2>&1 || { _pg_fallback "pg_createcluster failed"; return 0; }
  fi
  pg_ctlcluster "$ver" main start >/dev/null 2>&1 || true
  local port
  port=$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $3}')
  if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    _pg_fallback "cluster $ver/main did not start"; return 0
  fi
  su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname='veracity_ci'\"" | grep -q 1 ||
    su postgres -c "psql -p $port -qc \"CREATE ROLE veracity_ci LOGIN PASSWORD 'veracity_ci'\"" >/dev/null 2>&1 || true
  su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname='veracity_ci'\"" | grep -q 1 ||
    su postgres -c "createdb -p $port -O veracity_ci veracity_ci" >/dev/null 2>&1 || true
  export VERACITY_TEST_PG_URL="postgresql://veracity_ci:veracity_ci@127.0.0.1:${port}/veracity_ci"
  echo "ci: PostgreSQL $ver on port $port for the manifest-store tests" >&2
}

_pg_setup
