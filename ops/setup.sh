#!/usr/bin/env bash
# Install what Sitrep needs on a fresh machine, idempotently: Debian packages (Java, Maven,
# Prometheus), the Python venv with the package, and the Kafka jars from Maven Central.
# Sourced by ops/demo and ops/test; safe to run again (each step checks before it acts).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SITREP_VENV:-$ROOT/.venv}"
PYTHON="${SITREP_PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

say() { printf 'setup: %s\n' "$*" >&2; }

apt_install() {
    # apt-get only when something is missing; root on CI and dev boxes, sudo elsewhere.
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ -z "${_SITREP_APT_UPDATED:-}" ]; then
        say "apt-get update"
        $sudo apt-get update -qq >/dev/null
        _SITREP_APT_UPDATED=1
    fi
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need_debian_packages() {
    local missing=()
    command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null 2>&1 || missing+=(maven)
    if [ "${SITREP_SETUP_PROMETHEUS:-1}" = 1 ]; then
        command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
        command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
    fi
    "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
    if [ ${#missing[@]} -gt 0 ]; then
        # shellcheck disable=SC2207
        missing=($(printf '%s\n' "${missing[@]}" | sort -u))
        apt_install "${missing[@]}"
    fi
}

need_venv() {
    local stamp="$VENV/.sitrep-installed" want
    want="$(cat "$ROOT/pyproject.toml" | sha1sum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    [ -x "$VENV/bin/python" ] || { say "creating $VENV"; "$PYTHON" -m venv "$VENV"; }
    say "installing sitrep and its test dependencies into $VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -e "$ROOT[test]"
    echo "$want" >"$stamp"
}

need_debian_packages
need_venv
bash "$ROOT/ops/kafka/kafka.sh" fetch
export PATH="$VENV/bin:$PATH"
