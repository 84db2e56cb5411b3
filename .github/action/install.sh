#!/usr/bin/env bash
# Installs pgsafe for the GitHub Action (action.yml) and puts it on the
# PATH of the job's later steps (GITHUB_PATH).
#
# It runs go install at the action's own ref (PGSAFE_REF, github.action_ref),
# so that the pgsafe that runs is the one the workflow pinned. When there is
# no ref (a local action, uses: ./) or the module proxy cannot serve it (a
# fork, a private mirror), it builds the action's checkout (PGSAFE_SOURCE,
# github.action_path) instead, which is the same code.
set -euo pipefail

module=github.com/pgsafe/pgsafe/cmd/pgsafe
bin="${RUNNER_TEMP:?RUNNER_TEMP is not set}/pgsafe-bin"
mkdir -p "$bin"

if [ -n "${PGSAFE_REF:-}" ] && GOBIN="$bin" go install "$module@$PGSAFE_REF"; then
	echo "pgsafe: installed $module@$PGSAFE_REF"
else
	echo "pgsafe: building $module from ${PGSAFE_SOURCE:?PGSAFE_SOURCE is not set}"
	(cd "$PGSAFE_SOURCE" && go build -o "$bin/pgsafe" ./cmd/pgsafe)
fi
echo "$bin" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
