#!/usr/bin/env bash
# Make sure the system packages the test suite needs are present, installing only what is missing.
#
#   PostgreSQL server binaries  any /usr/lib/postgresql/*/bin/initdb (or $PG_BIN/initdb)  package postgresql
#   Chromium                    /usr/bin/chromium                                       package chromium
#   wrk (only with --bench)     wrk on PATH                                             package wrk
#
# Usage: bash tests/tools/ensure_system_deps.sh [--bench]
# Prints one line per check or install. Runs `apt-get update` once, and only if something is missing.
# Not root and something missing: says what to install and exits 1.
set -euo pipefail

bench=0
for arg in "$@"; do
    case "$arg" in
        --bench) bench=1 ;;
        -h | --help)
            sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "ensure_system_deps: unknown argument: $arg (expected --bench)" >&2
            exit 2
            ;;
    esac
done

find_initdb() {
    if [[ -n "${PG_BIN:-}" && -x "$PG_BIN/initdb" ]]; then
        echo "$PG_BIN/initdb"
        return 0
    fi
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/initdb; do
        [[ -x "$candidate" ]] && echo "$candidate"
    done | sort -V | tail -n 1
}

have_chromium() { [[ -x /usr/bin/chromium ]]; }
have_wrk() { command -v wrk >/dev/null 2>&1; }

check() {
    # check NAME PACKAGE: prints "ok: ..." or records PACKAGE as missing.
    local name="$1" package="$2" where=""
    case "$name" in
        postgresql) where="$(find_initdb || true)" ;;
        chromium) have_chromium && where=/usr/bin/chromium ;;
        wrk) where="$(command -v wrk || true)" ;;
    esac
    if [[ -n "$where" ]]; then
        echo "ok: $name ($where)"
    else
        echo "missing: $name (package $package)"
        missing+=("$package")
    fi
}

missing=()
check postgresql postgresql
check chromium chromium
if ((bench)); then
    check wrk wrk
fi

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    echo "ensure_system_deps: not root; install the missing packages, e.g.: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_system_deps: apt-get not found; install these with your package manager: ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp -t ensure-system-deps.XXXXXX.log)"
trap 'rm -f "$log"' EXIT

run_logged() {
    # Run a command with its output in $log; show the log tail if it fails.
    local started=$SECONDS
    if ! "$@" >>"$log" 2>&1; then
        echo "ensure_system_deps: failed: $* (log tail below)" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
    echo "done: $* ($((SECONDS - started)) s)"
}

run_logged apt-get update -qq
run_logged apt-get install -y -qq "${missing[@]}"

# Verify that the install provided what the suite looks for.
status=0
for package in "${missing[@]}"; do
    case "$package" in
        postgresql) found="$(find_initdb || true)" ;;
        chromium) found="$(have_chromium && echo /usr/bin/chromium || true)" ;;
        wrk) found="$(command -v wrk || true)" ;;
        *) found="" ;;
    esac
    if [[ -n "$found" ]]; then
        echo "installed: $package ($found)"
    else
        echo "ensure_system_deps: installed $package but still cannot find what the tests need" >&2
        status=1
    fi
done
exit "$status"
