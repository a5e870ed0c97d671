#!/usr/bin/env bash
# Regenerates charts/cfsaas-operator/README.md from README.md.gotmpl and the `# --` comments of values.yaml, with
# the helm-docs that `npm run setup` builds. test/release/chart-readme.test.ts checks the committed file is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_DIR="${CFSAAS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cfsaas-operator/tools}"
helm_docs=$(sed -n 's/^ *"helmDocs": "\(.*\)",\{0,1\}}\{0,1\}$/\1/p' "$TOOLS_DIR/versions.json")
if [[ ! -x "$helm_docs" ]]; then
  echo "helm-docs not found in $TOOLS_DIR/versions.json: run \`npm run setup\`" >&2
  exit 1
fi
exec "$helm_docs" --chart-search-root charts --template-files README.md.gotmpl --sort-values-order file "$@"
