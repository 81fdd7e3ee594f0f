#!/usr/bin/env bash
# Builds the pinned Kubernetes control planes, etcd and kwok from source into
# .tools/kube/ (git-ignored), one binary at a time. A binary already built from
# the pinned module version (read back with `go version -m`) is skipped.
#
#   tools/kube/build.sh                    # everything: both lines, etcd, kwok
#   tools/kube/build.sh --only apiserver   # kube-apiserver for both lines + etcd
#   tools/kube/build.sh --line v1.37       # one line only (repeatable)
#
# Prints the directory of each line's binaries on its own line at the end
# ("bin <version> <dir>").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${KUBE_TOOLS_DIR:-$root/.tools/kube}
only=all
lines=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=${2:?--only apiserver|all}; shift 2 ;;
    --line) lines+=("${2:?--line v1.27}"); shift 2 ;;
    *) echo "usage: $0 [--only apiserver|all] [--line v1.27 ...]" >&2; exit 2 ;;
  esac
done
[ ${#lines[@]} -gt 0 ] || lines=(v1.27 v1.37)
export GOFLAGS="${GOFLAGS:-} -mod=readonly"

# required version of module $2 in $1/go.mod
pinned() { sed -n "s#^\(require\)\{0,1\}[[:space:]]*$2 \(v[^ ]*\).*#\2#p" "$1/go.mod" | head -1; }

# build <module dir> <package> <output> <module whose version must match> <version> [extra -ldflags]
build() {
  local dir=$1 pkg=$2 bin=$3 mod=$4 ver=$5 ldflags="-s -w ${6:-}"
  if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -Eq "^[[:space:]]+(mod|dep)[[:space:]]+$mod[[:space:]]+$ver([[:space:]]|$)"; then
    echo "up to date: $bin ($mod $ver)"
    return
  fi
  mkdir -p "$(dirname "$bin")"
  local start=$SECONDS
  (cd "$dir" && go build -trimpath -ldflags="$ldflags" -o "$bin.tmp" "$pkg")
  mv "$bin.tmp" "$bin"
  echo "built: $bin ($mod $ver) in $((SECONDS - start))s"
}

etcd_ver=$(pinned "$here/etcd" go.etcd.io/etcd/server/v3)
build "$here/etcd" . "$out/etcd-$etcd_ver/bin/etcd" go.etcd.io/etcd/server/v3 "$etcd_ver"

for line in "${lines[@]}"; do
  ver=$(pinned "$here/$line" k8s.io/kubernetes)
  [ -n "$ver" ] || { echo "no k8s.io/kubernetes pin in $here/$line/go.mod" >&2; exit 1; }
  cmds=(kube-apiserver)
  [ "$only" = apiserver ] || cmds+=(kube-controller-manager kube-scheduler)
  # What Kubernetes' own build stamps in (hack/lib/version.sh): /version then reports the real release.
  minor=${ver#v1.}; minor=${minor%%.*}
  stamp=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $pkg.gitVersion=$ver -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  for cmd in "${cmds[@]}"; do
    build "$here/$line" "k8s.io/kubernetes/cmd/$cmd" "$out/$ver/bin/$cmd" k8s.io/kubernetes "$ver" "$stamp"
  done
done

if [ "$only" != apiserver ]; then
  kwok_ver=$(pinned "$here/kwok" sigs.k8s.io/kwok)
  build "$here/kwok" sigs.k8s.io/kwok/cmd/kwok "$out/kwok-$kwok_ver/bin/kwok" sigs.k8s.io/kwok "$kwok_ver"
  # kwok's own default stages (what kwokctl feeds it), from the pinned module, for tools/kube/cluster.ts.
  src=$(cd "$here/kwok" && go mod download -json "sigs.k8s.io/kwok@$kwok_ver" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  stages="$out/kwok-$kwok_ver/stages"
  mkdir -p "$stages"
  cp "$src/kustomize/stage/node/fast/node-initialize.yaml" \
     "$src/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
     "$src"/kustomize/stage/pod/fast/pod-*.yaml "$stages/"
  chmod u+w "$stages"/*.yaml
fi

echo "bin etcd $out/etcd-$etcd_ver/bin"
for line in "${lines[@]}"; do ver=$(pinned "$here/$line" k8s.io/kubernetes); echo "bin $ver $out/$ver/bin"; done
