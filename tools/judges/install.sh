#!/usr/bin/env bash
# Installs the manifest judges that platform teams run, at pinned versions, into the git-ignored .tools/ folder:
#   .tools/bin/      kubeconform, kube-score, kubectl-validate, istioctl (built with `go` from the Go module proxy)
#   .tools/venv/     checkov (pip)
#   .tools/schemas/  offline schemas: kubeconform's standalone-strict layout for two Kubernetes lines and for the
#                    vendored CRDs, and kubectl-validate's /api, /apis layout for the newest line
# Idempotent: each step writes a stamp (.tools/stamps/<step>) holding what it installed, and is skipped when the
# stamp matches and its outputs exist. Polaris is not installed: the Go module proxy refuses its module (see README).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tools=$root/.tools
bin=$tools/bin
stamps=$tools/stamps

KUBECONFORM=v0.8.0
KUBE_SCORE=v1.20.0
KUBECTL_VALIDATE=v0.0.4
# istio.io/istio publishes no semver tags to the module proxy: only pseudo-versions of its main branch are served.
# This commit (VERSION 1.31-dev, istio.io/api v1.30.0-alpha) is the served one closest to our CRDs (1.30.3).
ISTIO=v0.0.0-20260423205519-b01690e6db7d
CHECKOV=3.3.30
# Kubernetes lines for the schemas: the 1.27 line (cdk8s-plus-27) and the newest line the module proxy serves.
K8S_OLD=v1.27.16
K8S_NEW=v1.37.2

mkdir -p "$bin" "$stamps" "$tools/schemas"
# The folder ignores itself, so no .gitignore line is needed for it to stay out of commits.
[ -f "$tools/.gitignore" ] || printf '*\n' >"$tools/.gitignore"

# GOTOOLCHAIN=local: build with the machine's Go, never fetch another toolchain
export GOBIN=$bin GOTOOLCHAIN=local

# needs STEP VALUE FILE...: true when STEP must run (stamp differs or an output is missing)
needs() {
  local step=$1 value=$2
  shift 2
  [ "$(cat "$stamps/$step" 2>/dev/null)" = "$value" ] || return 0
  for f in "$@"; do [ -e "$f" ] || return 0; done
  echo "ok   $step $value"
  return 1
}
done_() { printf '%s' "$2" >"$stamps/$1"; echo "done $1 $2"; }

if needs kubeconform $KUBECONFORM "$bin/kubeconform"; then
  go install -ldflags "-X main.version=$KUBECONFORM" github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM
  done_ kubeconform $KUBECONFORM
fi

if needs kube-score $KUBE_SCORE "$bin/kube-score"; then
  go install -ldflags "-X main.version=${KUBE_SCORE#v}" github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE
  done_ kube-score $KUBE_SCORE
fi

if needs kubectl-validate $KUBECTL_VALIDATE "$bin/kubectl-validate"; then
  go install sigs.k8s.io/kubectl-validate@$KUBECTL_VALIDATE
  done_ kubectl-validate $KUBECTL_VALIDATE
fi

if needs istioctl $ISTIO "$bin/istioctl"; then
  # `go install pkg@version` refuses modules whose go.mod has replace directives; building inside the module's own
  # (read-only) folder in the module cache uses its go.mod and go.sum as they are.
  dir=$(go mod download -json istio.io/istio@$ISTIO | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X istio.io/istio/pkg/version.buildVersion=$ISTIO" \
    -o "$bin/istioctl" ./istioctl/cmd/istioctl)
  done_ istioctl $ISTIO
fi

if needs checkov $CHECKOV "$tools/venv/bin/checkov"; then
  [ -x "$tools/venv/bin/python" ] || python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV"
  done_ checkov $CHECKOV
fi

# Schemas: the converter's own content is part of the stamp, so that a change to it regenerates them.
converter=tools/judges/make-schemas.ts
crds_sum=$(cat vendor/crds/*.yaml "$converter" | sha256sum | cut -c1-16)
schemas_value="$K8S_OLD $K8S_NEW $crds_sum"
if needs schemas "$schemas_value" "$tools/schemas/kubeconform/$K8S_NEW-standalone-strict"; then
  old_dir=$(go mod download -json k8s.io/kubernetes@$K8S_OLD | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  new_dir=$(go mod download -json k8s.io/kubernetes@$K8S_NEW | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  rm -rf "$tools/schemas.tmp" && mkdir -p "$tools/schemas.tmp"
  node --require ./tools/synth/ts-register.cjs "$converter" --out "$tools/schemas.tmp" \
    --k8s "$K8S_OLD=$old_dir" --k8s "$K8S_NEW=$new_dir" --crds vendor/crds
  rm -rf "$tools/schemas" && mv "$tools/schemas.tmp" "$tools/schemas"
  done_ schemas "$schemas_value"
fi

# What check-manifests reads to know the versions and where the schemas are.
cat >"$tools/versions.env" <<EOF
KUBECONFORM=$KUBECONFORM
KUBE_SCORE=$KUBE_SCORE
KUBECTL_VALIDATE=$KUBECTL_VALIDATE
ISTIO=$ISTIO
CHECKOV=$CHECKOV
K8S_OLD=$K8S_OLD
K8S_NEW=$K8S_NEW
EOF
echo "judges installed in .tools/"
