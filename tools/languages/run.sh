#!/usr/bin/env bash
# Builds the Python, Java and Go packages and uses each as a user of that language would: the calculator app
# (tools/languages/<language>/) and the quick example of README-snippets.md are synthesized in each language and
# their YAML must be byte-identical to the TypeScript app's (`npm run synth`, dist/manifests/calculator/) and to the
# TypeScript snippet's.
#
#   tools/languages/run.sh                 compile, package (npm run package-all), then check every language
#   LANGS_SKIP_BUILD=1 tools/languages/run.sh   reuse the compiled library and dist/packages/ as they are
#
# Prints one line per check (`python: identical`, `go snippet: differs`...) and `N passed, N failed`; exits 1 when
# any check fails. Caches (virtualenv, pip cache, Maven repository) live in .tools/languages/ (git-ignored); Go uses
# its default module and build caches.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tools/languages
CACHE=$ROOT/.tools/languages
OUT=$CACHE/out
LOGS=$CACHE/logs
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export PIP_CACHE_DIR=$CACHE/pip-cache PIP_DISABLE_PIP_VERSION_CHECK=1
M2=$CACHE/m2
MVN=(mvn -B -q -Dmaven.repo.local="$M2")
VERSION=$(node -p "require('$ROOT/package.json').version")

cd "$ROOT"
mkdir -p "$CACHE" "$LOGS"
rm -rf "$OUT"
mkdir -p "$OUT"

step() { printf '[languages] %s\n' "$*" >&2; }
seconds() { echo $(( $(date +%s) - $1 )); }

# The code of the first fenced block of a language in a Markdown file (default: README-snippets.md).
snippet() {
  awk -v fence="\`\`\`$1" '$0 == fence { on = 1; next } on && $0 == "```" { exit } on { print }' "${2:-$HERE/README-snippets.md}"
}

# Where README.md shows the quick example in Python, Java or Go, it must be the code checked here.
for language in python java go; do
  if [[ -n "$(snippet "$language" README.md)" ]] && ! diff <(snippet "$language" README.md) <(snippet "$language") > /dev/null; then
    echo "README.md's $language example differs from tools/languages/README-snippets.md's, which CI runs" >&2
    exit 1
  fi
done

if [[ "${LANGS_SKIP_BUILD:-}" != 1 ]]; then
  t=$(date +%s)
  step 'compile (jsii) and package-all (npm, Python, Java, Go)'
  npx projen compile > "$LOGS/compile.log" 2>&1 || { tail -40 "$LOGS/compile.log"; exit 1; }
  npm run package-all > "$LOGS/package-all.log" 2>&1 || { tail -60 "$LOGS/package-all.log"; exit 1; }
  step "packages built in $(seconds "$t") s"
fi
WHEEL=$(ls dist/packages/python/cdk8s_resilience-"$VERSION"-py3-none-any.whl)
# Every language package embeds the npm tarball: it must hold the library, not this folder or its caches.
# (grep -c reads the whole listing: with -q, tar could die of SIGPIPE and pipefail would hide the match.)
if [[ $(tar tzf "dist/packages/js/cdk8s-resilience@$VERSION.jsii.tgz" | grep -cE '^package/\.?tools/' || true) != 0 ]]; then
  echo "dist/packages/js/cdk8s-resilience@$VERSION.jsii.tgz holds tools/ or .tools/: .npmignore must exclude them" >&2
  exit 1
fi
GO_PACKAGES=$ROOT/dist/packages/go

# The TypeScript references: the calculator app as `npm run synth` writes it, and the TypeScript snippet.
t=$(date +%s)
step 'TypeScript: npm run synth, and the README snippet'
npm run synth > "$LOGS/synth.log" 2>&1 || { tail -40 "$LOGS/synth.log"; exit 1; }
rm -rf "$CACHE/ts-snippet" && mkdir -p "$CACHE/ts-snippet/node_modules"
ln -s "$ROOT" "$CACHE/ts-snippet/node_modules/cdk8s-resilience"  # resolves to dist/lib, as the npm package does
snippet ts > "$CACHE/ts-snippet/quickstart.ts"
(cd "$CACHE/ts-snippet" && CDK8S_OUTDIR="$OUT/typescript-snippet" node --require "$ROOT/tools/synth/ts-register.cjs" quickstart.ts)
step "TypeScript done in $(seconds "$t") s"

python_app() {
  local venv=$CACHE/venv stamp
  stamp=$(sha256sum "$HERE/python/requirements.txt" | cut -c1-16)
  # A virtualenv per set of pinned requirements; the wheel is reinstalled on every run.
  if [[ ! -f "$venv/.requirements-$stamp" ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$HERE/python/requirements.txt"
    touch "$venv/.requirements-$stamp"
  fi
  "$venv/bin/pip" install -q --force-reinstall --no-deps "$WHEEL"
  "$venv/bin/pip" check
  mkdir -p "$CACHE/python-app"
  cp "$HERE/python/app.py" "$CACHE/python-app/app.py"
  snippet python > "$CACHE/python-app/quickstart.py"
  (cd "$CACHE/python-app" && CDK8S_OUTDIR="$OUT/python" "$venv/bin/python" app.py \
    && CDK8S_OUTDIR="$OUT/python-snippet" "$venv/bin/python" quickstart.py)
}

java_app() {
  local app=$CACHE/java-app artifact
  # The jar into a local Maven repository, with the cdk8s jars package:java built beside it (the registries reached
  # here do not serve org.cdk8s).
  for artifact in "dev/cdk8s-resilience/cdk8s-resilience/$VERSION/cdk8s-resilience-$VERSION" \
    org/cdk8s/cdk8s/2.70.100/cdk8s-2.70.100 org/cdk8s/cdk8s-plus-27/2.9.5/cdk8s-plus-27-2.9.5; do
    if ! cmp -s "dist/packages/java/$artifact.jar" "$M2/$artifact.jar"; then
      "${MVN[@]}" org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file \
        -Dfile="dist/packages/java/$artifact.jar" -DpomFile="dist/packages/java/$artifact.pom"
    fi
  done
  rm -rf "$app" && mkdir -p "$app/src/main/java/com/example/quickstart"
  cp -r "$HERE/java/pom.xml" "$HERE/java/src" "$app/"
  snippet java > "$app/src/main/java/com/example/quickstart/Quickstart.java"
  (cd "$app" \
    && "${MVN[@]}" -Dcdk8s-resilience.version="$VERSION" compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.outputFile=classpath.txt \
    && CDK8S_OUTDIR="$OUT/java" java -cp "target/classes:$(cat classpath.txt)" com.example.calculator.Main \
    && CDK8S_OUTDIR="$OUT/java-snippet" java -cp "target/classes:$(cat classpath.txt)" com.example.quickstart.Quickstart)
}

go_app() {
  local app=$CACHE/go-app
  rm -rf "$app" && mkdir -p "$app/quickstart"
  cp "$HERE/go/go.mod" "$HERE/go/go.sum" "$HERE/go/main.go" "$app/"
  snippet go > "$app/quickstart/main.go"
  # The same local modules as tools/languages/go/go.mod, from this copy's place.
  (cd "$app" \
    && go mod edit \
      -replace "github.com/cdk8s-resilience/cdk8s-resilience-go/cdk8sresilience=$GO_PACKAGES/cdk8sresilience" \
      -replace "github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2=$GO_PACKAGES/cdk8s" \
      -replace "github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2=$GO_PACKAGES/cdk8splus27" \
    && go vet ./... \
    && go build -o bin/calculator . && go build -o bin/quickstart ./quickstart \
    && CDK8S_OUTDIR="$OUT/go" ./bin/calculator \
    && CDK8S_OUTDIR="$OUT/go-snippet" ./bin/quickstart)
}

PASSED=0
FAILED=0
# Byte-identical trees, and not empty ones.
compare() {
  local name=$1 expected=$2 actual=$3
  if [[ -z "$(ls -A "$expected" 2>/dev/null)" ]]; then
    echo "$name: differs (the TypeScript reference $expected is empty)"; FAILED=$((FAILED + 1)); return
  fi
  if diff -r "$expected" "$actual" > "$LOGS/$name.diff" 2>&1; then
    echo "$name: identical"; PASSED=$((PASSED + 1))
  else
    echo "$name: differs"; head -40 "$LOGS/$name.diff" | sed 's/^/    /'; FAILED=$((FAILED + 1))
  fi
}

RESULTS=()
for language in python java go; do
  t=$(date +%s)
  step "$language: build and synthesize"
  if "${language}_app" > "$LOGS/$language.log" 2>&1; then
    step "$language done in $(seconds "$t") s"
    RESULTS+=("$language:$ROOT/dist/manifests/calculator:$OUT/$language" "$language snippet:$OUT/typescript-snippet:$OUT/$language-snippet")
  else
    step "$language failed after $(seconds "$t") s; the end of $LOGS/$language.log:"
    tail -30 "$LOGS/$language.log" >&2
    echo "$language: differs (failed to build or run)"
    echo "$language snippet: differs (failed to build or run)"
    FAILED=$((FAILED + 2))
  fi
done
for result in "${RESULTS[@]}"; do
  IFS=: read -r name expected actual <<< "$result"
  compare "$name" "$expected" "$actual"
done
echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
