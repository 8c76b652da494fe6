#!/usr/bin/env bash
# Builds the Go programs of the test sources into target/controlplane: the real control plane,
# kubectl, operator-framework's bundle validator and opm, each from the Go modules its go.mod pins.
# A binary newer than every file of its module is kept (Go's own cache makes a rebuild fast too,
# but linking kube-apiserver still takes a while). Without Go it says why and builds nothing; the
# real-backend tests then skip, or fail where CI=true.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-../../../target/controlplane}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if ! command -v go >/dev/null 2>&1; then
  echo "nodedaemon: no 'go' on PATH: the real control plane is not built and its tests will be skipped"
  exit 0
fi

build() { # name module-dir package [go build flags]
  local name=$1 dir=$2 pkg=$3
  shift 3
  if [ -x "$out/$name" ] && [ -z "$(find "$dir" -newer "$out/$name" -type f -print -quit)" ]; then
    return
  fi
  echo "nodedaemon: building $name ($dir, $(go version | cut -d' ' -f3))"
  local start=$SECONDS
  (cd "$dir" && go build "$@" -o "$out/$name" "$pkg")
  echo "nodedaemon: built $name in $((SECONDS - start)) s"
}

build controlplane controlplane .
build kubectl controlplane k8s.io/kubernetes/cmd/kubectl
build bundlevalidate bundlevalidate .
# containers_image_openpgp: a Go OpenPGP instead of the gpgme C library (as operator-registry's
# own Makefile builds it); json1: SQLite's JSON functions, for opm's deprecated sqlite commands.
build opm opm github.com/operator-framework/operator-registry/cmd/opm \
  -tags=json1,containers_image_openpgp
