#!/usr/bin/env bash
# Builds the real control-plane binaries the integration tests run (kube-apiserver, etcd) and helm,
# from the Go module proxy, the way controller-runtime's envtest consumes them. Binaries are cached
# outside the checkout, keyed by version, and never rebuilt when present.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.3}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
HELM_DOCS_VERSION="${HELM_DOCS_VERSION:-v1.14.2}"
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.6.3}"
NODE_IMAGE_NPM_VERSION="${NODE_IMAGE_NPM_VERSION:-11.21.2}"
NODE_BASE_IMAGE="docker.io/library/node:24-bookworm-slim"
TOOLS_DIR="${CFSAAS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cfsaas-operator/tools}"

export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local

log() { printf '[setup] %s\n' "$*" >&2; }
elapsed() { echo "$(( $(date +%s) - $1 ))s"; }

# k8s.io/kubernetes requires its staging modules at v0.0.0, which the proxy does not serve and which
# `go install` cannot replace (golang/go#44840). A wrapper module maps each one to its published v0.X.Y.
build_kube_apiserver() {
  local out="$TOOLS_DIR/kube-apiserver-$KUBE_VERSION/kube-apiserver"
  if [[ -x "$out" ]]; then log "kube-apiserver $KUBE_VERSION cached at $out"; return; fi
  local start; start=$(date +%s)
  local work; work=$(mktemp -d)
  local staging="v0.${KUBE_VERSION#v1.}"
  log "building kube-apiserver $KUBE_VERSION (staging modules at $staging) in $work"
  (
    cd "$work"
    go mod init cfsaas.dev/tools/kube-apiserver >/dev/null 2>&1
    local info gomod
    info=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION")
    gomod=$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
    local commit
    commit=$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' | head -n1)
    # The wrapper must honour kubernetes' own godebug defaults; dependency godebug lines are ignored.
    grep -E '^(go|godebug) ' "$gomod" | sed 's/^go \(.*\)/go \1/' >go.head
    go mod edit -go="$(awk '/^go /{print $2}' go.head)"
    awk '/^godebug /{print}' go.head >>go.mod
    go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION"
    grep -E '^[[:space:]]*k8s\.io/[a-z0-9-]+ v0\.0\.0([[:space:]]|$)' "$gomod" | awk '{print $1}' | sort -u | while read -r mod; do
      go mod edit -replace="$mod=$mod@$staging"
    done
    printf 'package tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' >tools.go
    go mod tidy >/dev/null
    local major="${KUBE_VERSION#v}"; major="${major%%.*}"
    local minor="${KUBE_VERSION#v*.}"; minor="${minor%%.*}"
    local ldflags="-s -w" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
      ldflags+=" -X $pkg.gitCommit=${commit:-unknown} -X $pkg.gitTreeState=clean"
      ldflags+=" -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    done
    mkdir -p "$(dirname "$out")"
    go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "$ldflags" -o "$out.tmp" k8s.io/kubernetes/cmd/kube-apiserver
    mv "$out.tmp" "$out"
  )
  rm -rf "$work"
  log "built kube-apiserver $KUBE_VERSION in $(elapsed "$start")"
}

# etcd's own server/go.mod replaces its sibling modules with ../ paths, so go install refuses it too.
build_etcd() {
  local out="$TOOLS_DIR/etcd-$ETCD_VERSION/etcd"
  if [[ -x "$out" ]]; then log "etcd $ETCD_VERSION cached at $out"; return; fi
  local start; start=$(date +%s)
  local work; work=$(mktemp -d)
  log "building etcd $ETCD_VERSION in $work"
  (
    cd "$work"
    go mod init cfsaas.dev/tools/etcd >/dev/null 2>&1
    go mod edit -require="go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    printf 'package tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
    go mod tidy >/dev/null
    mkdir -p "$(dirname "$out")"
    go build -trimpath -ldflags "-s -w" -o "$out.tmp" go.etcd.io/etcd/server/v3
    mv "$out.tmp" "$out"
  )
  rm -rf "$work"
  log "built etcd $ETCD_VERSION in $(elapsed "$start")"
}

build_helm() {
  local out="$TOOLS_DIR/helm-$HELM_VERSION/helm"
  if [[ -x "$out" ]]; then log "helm $HELM_VERSION cached at $out"; return; fi
  local start; start=$(date +%s)
  local major="${HELM_VERSION%%.*}"
  log "building helm $HELM_VERSION"
  mkdir -p "$(dirname "$out")"
  GOBIN="$(dirname "$out")" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/$major/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/$major/cmd/helm@$HELM_VERSION"
  log "built helm $HELM_VERSION in $(elapsed "$start")"
}

# Linters the tests run on the release pipeline and the chart: actionlint checks .github/workflows, helm-docs
# generates the chart's README from values.yaml comments. Plain `go install`s, cached like helm.
build_go_tool() {
  local name="$1" package="$2" version="$3"
  local out="$TOOLS_DIR/$name-$version/$name"
  if [[ -x "$out" ]]; then log "$name $version cached at $out"; return; fi
  local start; start=$(date +%s)
  log "building $name $version"
  mkdir -p "$(dirname "$out")"
  GOBIN="$(dirname "$out")" go install -trimpath -ldflags "-s -w" "$package@$version"
  log "built $name $version in $(elapsed "$start")"
}

# The Gateway API standard channel CRDs, for the HTTPRoute source's tests and the demo: the YAML the release ships
# lives in the sigs.k8s.io/gateway-api module, so the module proxy serves it like the sources above. Every CRD of
# config/crd/standard goes into one stream; the ValidatingAdmissionPolicy beside them (it guards upgrades
# between channels) is left out.
fetch_gateway_api_crds() {
  local out="$TOOLS_DIR/gateway-api-$GATEWAY_API_VERSION/standard-crds.yaml"
  if [[ -f "$out" ]]; then log "Gateway API $GATEWAY_API_VERSION CRDs cached at $out"; return; fi
  local work; work=$(mktemp -d)
  log "fetching Gateway API $GATEWAY_API_VERSION CRDs"
  (
    cd "$work"
    go mod init cfsaas.dev/tools/gateway-api >/dev/null 2>&1
    local dir
    dir=$(go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
    mkdir -p "$(dirname "$out")"
    local crd
    for crd in "$dir"/config/crd/standard/gateway.networking.k8s.io_*.yaml; do
      [[ "$crd" == *_vap_* ]] && continue
      printf -- '---\n'
      cat "$crd"
    done >"$out.tmp"
    grep -q '^  name: httproutes.gateway.networking.k8s.io$' "$out.tmp"
    mv "$out.tmp" "$out"
  )
  rm -rf "$work"
}

# Debian packages some tests use: promtool checks the alerting rules, lua5.1 runs the Argo CD health checks
# (Argo CD's Lua dialect). Installed only when missing; needs root, as on CI and these machines.
install_debian_tools() {
  local missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v lua5.1 >/dev/null || missing+=(lua5.1)
  if [[ ${#missing[@]} -eq 0 ]]; then log "promtool and lua5.1 present"; return; fi
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The prometheus package starts a server where systemd runs; the tests need only its promtool.
  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
}

# The container image test (test/image/image.test.ts) builds the Dockerfile and runs it with Debian's podman
# and runc (crun refuses cgroup v1 hybrid mode). Installed only when missing; needs root.
install_container_tools() {
  local missing=() tool
  for tool in podman buildah runc mmdebstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [[ ${#missing[@]} -eq 0 ]]; then log "podman, buildah, runc and mmdebstrap present"; return; fi
  log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# No registry is reachable from these machines, so the Dockerfile's base (node:24-bookworm-slim) is made
# locally the way the official image is: Debian bookworm (minbase), Node from the npm `node` package the
# project pins (node_modules, after npm ci), npm, and a `node` user (uid 1000). Saved as an OCI archive,
# keyed by the Node and npm versions; the test loads it into its own private image store.
build_node_base_image() {
  local node_bin="node_modules/node/bin/node"
  if [[ ! -x "$node_bin" ]]; then log "no $node_bin: run npm ci first"; return 1; fi
  local node_version; node_version=$("$node_bin" --version)
  local out="$TOOLS_DIR/node-base-image-$node_version-npm-$NODE_IMAGE_NPM_VERSION/node-bookworm-slim.oci.tar"
  if [[ -f "$out" ]]; then log "node base image $node_version cached at $out"; return; fi
  local start; start=$(date +%s)
  local work; work=$(mktemp -d)
  log "making the node:${node_version#v} bookworm-slim base image in $work"
  mmdebstrap --quiet --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='chroot "$1" useradd --uid 1000 --user-group --create-home --shell /bin/bash node' \
    bookworm "$work/rootfs"
  install -m 0755 "$node_bin" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/lib/node_modules/npm"
  (cd "$work" && npm pack --silent "npm@$NODE_IMAGE_NPM_VERSION" >/dev/null)
  tar -xzf "$work/npm-$NODE_IMAGE_NPM_VERSION.tgz" --strip-components=1 -C "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  # A throwaway store (vfs: no mounts left behind) just to turn the folder into an image archive.
  local podman=(podman --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
  tar -C "$work/rootfs" -c . | "${podman[@]}" import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" --change 'CMD ["node"]' - "$NODE_BASE_IMAGE" >/dev/null
  mkdir -p "$(dirname "$out")"
  "${podman[@]}" save --quiet --format oci-archive -o "$out.tmp" "$NODE_BASE_IMAGE"
  mv "$out.tmp" "$out"
  rm -rf "$work"
  log "made the node base image in $(elapsed "$start") ($(du -h "$out" | cut -f1))"
}

total_start=$(date +%s)
install_debian_tools
install_container_tools
build_node_base_image
build_etcd
build_kube_apiserver
build_helm
build_go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
build_go_tool helm-docs github.com/norwoodj/helm-docs/cmd/helm-docs "$HELM_DOCS_VERSION"
fetch_gateway_api_crds
# The test harness reads this file to find the binaries.
cat >"$TOOLS_DIR/versions.json" <<JSON
{"kubeApiserver": "$TOOLS_DIR/kube-apiserver-$KUBE_VERSION/kube-apiserver",
 "etcd": "$TOOLS_DIR/etcd-$ETCD_VERSION/etcd",
 "helm": "$TOOLS_DIR/helm-$HELM_VERSION/helm",
 "actionlint": "$TOOLS_DIR/actionlint-$ACTIONLINT_VERSION/actionlint",
 "helmDocs": "$TOOLS_DIR/helm-docs-$HELM_DOCS_VERSION/helm-docs",
 "gatewayApiCrds": "$TOOLS_DIR/gateway-api-$GATEWAY_API_VERSION/standard-crds.yaml",
 "nodeBaseImage": "$TOOLS_DIR/node-base-image-$("node_modules/node/bin/node" --version)-npm-$NODE_IMAGE_NPM_VERSION/node-bookworm-slim.oci.tar"}
JSON
log "tools ready in $TOOLS_DIR (total $(elapsed "$total_start"))"
"$TOOLS_DIR/kube-apiserver-$KUBE_VERSION/kube-apiserver" --version >&2
"$TOOLS_DIR/etcd-$ETCD_VERSION/etcd" --version | sed -n 1p >&2
