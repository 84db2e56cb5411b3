#!/usr/bin/env bash
# Chooses the Go that builds pgsafe for the GitHub Action (action.yml),
# before any Go is set up, and names the cache of that build, which the
# action keeps in $RUNNER_TEMP/pgsafe-go (see install.sh). It writes these
# step outputs (GITHUB_OUTPUT):
#
#   go-version   the version that the go line of the action's go.mod asks for
#   setup        "true" when actions/setup-go must install Go: the runner has
#                no go, or one older than 1.21, which cannot fetch a newer
#                toolchain by itself; "false" when the runner's Go builds
#                pgsafe, so that the PATH of the job's later steps is left
#                as it was
#   toolchain    the GOTOOLCHAIN of the build: empty when the runner's Go
#                satisfies the go line; "go<go-version>+auto" when it is
#                older, so that it fetches that toolchain into the build's
#                module cache for this build alone
#   cache-key    the cache's key: the system, the Go version, the hash of
#                go.sum and the action's ref (PGSAFE_REF, github.action_ref),
#                or the version input (PGSAFE_VERSION) when it names what
#                go install builds instead of the checkout
#   restore-key  the key's prefix without the ref, to start from the cache
#                of another ref with the same dependencies
#
# The action's checkout is the folder two levels above this script, which
# is the code that install.sh builds.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"

# The version on the go line of go.mod: "go 1.26.8" gives 1.26.8.
want=""
while read -r word version _; do
	if [ "$word" = go ]; then
		want="$version"
		break
	fi
done <"$src/go.mod"
if [ -z "$want" ]; then
	echo "::error title=pgsafe::$src/go.mod has no go line"
	exit 2
fi

# semver prints a Go version (1.26.8, go1.21rc2, go1.22) as three numbers
# and a fourth that is 0 for a pre-release and 1 for a release, so that
# 1.21rc2 sorts before 1.21.0.
semver() {
	local v="${1#go}" release=1 major minor patch
	if [[ "$v" =~ ^([0-9]+)(\.([0-9]+))?(\.([0-9]+))?(.*)$ ]]; then
		major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[3]:-0}" patch="${BASH_REMATCH[5]:-0}"
		if [ -n "${BASH_REMATCH[6]}" ]; then
			release=0
		fi
		echo "$major $minor $patch $release"
		return 0
	fi
	return 1
}

# at_least reports whether Go version $1 is $2 or newer.
at_least() {
	local a b i
	read -ra a <<<"$(semver "$1")" || return 1
	read -ra b <<<"$(semver "$2")" || return 1
	[ "${#a[@]}" -eq 4 ] && [ "${#b[@]}" -eq 4 ] || return 1
	for i in 0 1 2 3; do
		if [ "${a[$i]}" -ne "${b[$i]}" ]; then
			[ "${a[$i]}" -gt "${b[$i]}" ]
			return
		fi
	done
	return 0
}

setup=true toolchain=""
have=""
if command -v go >/dev/null 2>&1; then
	have="$(go env GOVERSION 2>/dev/null || true)"
fi
if [ -n "$have" ] && at_least "$have" "$want"; then
	setup=false
	echo "pgsafe: the runner's $have builds pgsafe (go.mod asks for go $want)"
elif [ -n "$have" ] && at_least "$have" 1.21; then
	# Go 1.21 and later fetch the toolchain that GOTOOLCHAIN names, as a
	# module: nothing changes on the PATH.
	setup=false toolchain="go$want+auto"
	echo "pgsafe: the runner's $have fetches go$want to build pgsafe"
else
	echo "pgsafe: setting up go $want (the runner's Go: ${have:-none})"
fi

# The cache's key: go.sum's hash, computed here because hashFiles() sees
# only the workspace, not the action's checkout.
if command -v sha256sum >/dev/null 2>&1; then
	sum="$(sha256sum <"$src/go.sum")"
else
	sum="$(shasum -a 256 <"$src/go.sum")"
fi
sum="${sum%% *}"
prefix="pgsafe-go-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-go$want-$sum-"

{
	echo "go-version=$want"
	echo "setup=$setup"
	echo "toolchain=$toolchain"
	ref="${PGSAFE_REF:-local}"
	if [ -n "${PGSAFE_VERSION:-}" ]; then
		ref="install-$PGSAFE_VERSION"
	fi
	echo "cache-key=$prefix${ref//,/-}" # a cache key holds no comma
	echo "restore-key=$prefix"
} >>"$out"
