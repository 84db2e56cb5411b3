#!/usr/bin/env bash
# Installs pgsafe for the GitHub Action (action.yml) and puts it on the
# PATH of the job's later steps (GITHUB_PATH). It reads:
#
#   PGSAFE_VERSION     the action's version input: empty to build the
#                      action's own checkout, the folder two levels above
#                      this script, which is the code the workflow pinned
#                      (even when another composite action nests this one,
#                      where github.action_ref names the outer action's
#                      ref); else a version for go install
#                      github.com/pgsafe/pgsafe/cmd/pgsafe@VERSION, such as
#                      v1.2.0 or latest
#   PGSAFE_GOTOOLCHAIN the GOTOOLCHAIN of the build, from go.sh: empty to
#                      build with the Go on the PATH as it is
#
# The build's caches (GOCACHE, GOMODCACHE) live in $RUNNER_TEMP/pgsafe-go,
# which the action keeps between runs with actions/cache, apart from the
# caches of the user's own Go steps.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
temp="${RUNNER_TEMP:?RUNNER_TEMP is not set}"
bin="$temp/pgsafe-bin"
cache="$temp/pgsafe-go"
mkdir -p "$bin" "$cache"

export GOCACHE="$cache/build" GOMODCACHE="$cache/mod"
# A writable module cache, so that the runner can empty RUNNER_TEMP.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
if [ -n "${PGSAFE_GOTOOLCHAIN:-}" ]; then
	export GOTOOLCHAIN="$PGSAFE_GOTOOLCHAIN"
fi

# -trimpath keeps the folders of this run out of the build, and so out of
# the build cache's keys: the cache serves a runner whose folders differ.
module=github.com/pgsafe/pgsafe/cmd/pgsafe
if [ -n "${PGSAFE_VERSION:-}" ]; then
	echo "pgsafe: installing $module@$PGSAFE_VERSION"
	GOBIN="$bin" go install -trimpath "$module@$PGSAFE_VERSION"
else
	echo "pgsafe: building $module from $src"
	(cd "$src" && go build -trimpath -o "$bin/pgsafe" ./cmd/pgsafe)
fi
# Whatever -modcacherw did not cover (a toolchain Go fetched, say) is
# made writable too, for the same reason.
chmod -R u+w "$GOMODCACHE" 2>/dev/null || true
echo "$bin" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
