#!/usr/bin/env bash
# Benchmark: pgsafe against squawk on the same SQL.
#
# Lints every .sql file of the shared corpus except the PostgreSQL
# regression suite (pganalyze__libpg_query) with `pgsafe lint --format
# json` and `squawk --reporter json`, three rounds, interleaved, and prints
# each tool's best wall time, best peak resident memory and CPU time, and
# pgsafe's ratios to squawk. squawk-cli is measured two ways: as the `squawk`
# command that `npm install squawk-cli` puts on the PATH (a Node launcher
# that starts squawk's native binary and waits for it), and as that native
# binary alone, the stricter comparison. It also times `pgsafe fix` (the
# diff, nothing written) on the same input, against pgsafe lint.
#
# Usage: .ci/bench.sh [--strict]
#   --strict  exit 1 when pgsafe misses the target against the native
#             binary: at most half of its wall time, and no more peak
#             memory.
# Environment:
#   PGSAFE_CORPUS    the corpus folder (default: shared/corpus beside the
#                    checkout, or in a folder above it)
#   SQUAWK           squawk's native binary, instead of installing
#                    squawk-cli
#   SQUAWK_LAUNCHER  the npm `squawk` command, when SQUAWK is set
#   ROUNDS           rounds per tool (default 3)
set -euo pipefail

strict=0
for arg in "$@"; do
	case "$arg" in
	--strict) strict=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "bench.sh: unknown argument $arg" >&2
		exit 2
		;;
	esac
done
rounds="${ROUNDS:-3}"

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

die() {
	echo "bench.sh: $*" >&2
	exit 2
}

# The corpus: $PGSAFE_CORPUS, or shared/corpus beside the checkout or above.
corpus="${PGSAFE_CORPUS:-}"
if [ -z "$corpus" ]; then
	dir="$(dirname "$root")"
	while :; do
		if [ -d "$dir/shared/corpus" ]; then
			corpus="$dir/shared/corpus"
			break
		fi
		[ "$dir" = / ] && die "no shared/corpus beside $root or above it; set PGSAFE_CORPUS"
		dir="$(dirname "$dir")"
	done
fi
[ -d "$corpus" ] || die "$corpus is not a folder"
corpus="$(cd "$corpus" && pwd)"

# GNU time measures peak memory (maximum resident set size).
gnutime=/usr/bin/time
if ! "$gnutime" --version 2>&1 | grep -q GNU; then
	if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
		echo "installing GNU time with apt-get" >&2
		apt-get install -y -qq time >/dev/null || die "could not install GNU time"
	else
		die "GNU time is needed at $gnutime (apt-get install time)"
	fi
fi

# squawk: $SQUAWK, squawk on the PATH, or squawk-cli installed with npm.
squawk_launcher="${SQUAWK_LAUNCHER:-}"
if [ -n "${SQUAWK:-}" ]; then
	squawk="$SQUAWK"
elif command -v squawk >/dev/null; then
	squawk="$(command -v squawk)"
else
	command -v npm >/dev/null || die "npm is needed to install squawk-cli (or set SQUAWK)"
	echo "installing squawk-cli with npm" >&2
	npm install --silent --no-audit --no-fund --prefix "$work/npm" squawk-cli >/dev/null ||
		die "npm install squawk-cli failed"
	squawk_launcher="$work/npm/node_modules/.bin/squawk"
	# The package's own lookup of the native binary for this platform.
	squawk="$(node -e 'process.stdout.write(require(process.argv[1]).getBinaryPath())' \
		"$work/npm/node_modules/squawk-cli/js/index.js")" || die "cannot find squawk's native binary"
fi

echo "building pgsafe" >&2
(cd "$root" && go build -o "$work/pgsafe" ./cmd/pgsafe) || die "go build failed"

# The input, relative to the corpus, in a fixed order.
cd "$corpus"
mapfile -t files < <(find . -path ./pganalyze__libpg_query -prune -o -type f -name '*.sql' -print | LC_ALL=C sort)
[ "${#files[@]}" -gt 0 ] || die "no .sql files in $corpus"
bytes="$(cat "${files[@]}" | wc -c)"

# valid_json FILE: whether FILE holds one JSON value (checked with node or
# python3, whichever is there; assumed when neither is).
valid_json() {
	if command -v node >/dev/null; then
		node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$1"
	elif command -v python3 >/dev/null; then
		python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$1"
	fi
}

# run NAME CMD...: runs CMD on the input once; records wall microseconds,
# peak RSS in KiB and CPU seconds (user and system) in $work/NAME.runs.
# Exit status 0 or 1 (findings) is fine; anything else, or output that is
# not JSON (fix prints a diff, which must not be empty), fails the benchmark.
run() {
	local name="$1"
	shift
	local start end status=0
	start="$(date +%s%N)"
	"$gnutime" -f '%M %U %S' -o "$work/rss" "$@" "${files[@]}" >"$work/$name.json" 2>"$work/$name.err" || status=$?
	end="$(date +%s%N)"
	# fix exits 2 because some corpus files do not parse (templates); it
	# names each, and fixes the rest.
	if [ "$status" = 2 ] && [ "${name%-warmup}" = fix ] && ! grep -qv 'the file is not fixed' "$work/$name.err"; then
		status=1
	fi
	if [ "$status" -gt 1 ]; then
		cat "$work/$name.err" >&2
		die "$name exited with status $status"
	fi
	if [ "${name%-warmup}" = fix ]; then
		grep -q '^+++ ' "$work/$name.json" || die "fix printed no diff"
	else
		valid_json "$work/$name.json" || die "$name did not write JSON"
	fi
	echo "$(((end - start) / 1000)) $(tail -n 1 "$work/rss" | awk '{print $1, $2 + $3}')" >>"$work/$name.runs"
}

# The corpus's migration tools, named as a team would in .pgsafe.toml, so
# that fix applies what the tools allow rather than only what a guess does.
# The config lives outside the corpus, so its globs are absolute.
cat >"$work/pgsafe.toml" <<TOML
[frameworks]
"$corpus/ory__hydra/persistence/sql/**" = "popx"
"$corpus/ory__kratos/persistence/sql/**" = "popx"
"$corpus/ory__keto/internal/persistence/sql/**" = "popx"
"$corpus/supabase__auth/migrations/*" = "pop"
"$corpus/temporalio__temporal/**" = "psql"
TOML

tools=(pgsafe fix squawk)
[ -n "$squawk_launcher" ] && tools+=(launcher)
cmd_pgsafe=("$work/pgsafe" lint --config "$work/pgsafe.toml" --format json)
cmd_fix=("$work/pgsafe" fix --config "$work/pgsafe.toml")
cmd_squawk=("$squawk" --reporter json)
cmd_launcher=("$squawk_launcher" --reporter json)

# One warm-up run each (page cache, binaries), then interleaved rounds.
for tool in "${tools[@]}"; do
	declare -n cmd="cmd_$tool"
	run "$tool-warmup" "${cmd[@]}"
	unset -n cmd
done
for ((i = 1; i <= rounds; i++)); do
	for tool in "${tools[@]}"; do
		declare -n cmd="cmd_$tool"
		run "$tool" "${cmd[@]}"
		unset -n cmd
	done
done

# best FILE COLUMN: the smallest value of a column of a .runs file.
best() { sort -n -k"$2" "$1" | head -n 1 | awk -v c="$2" '{print $c}'; }

pg_us="$(best "$work/pgsafe.runs" 1)"
pg_kb="$(best "$work/pgsafe.runs" 2)"
sq_us="$(best "$work/squawk.runs" 1)"
sq_kb="$(best "$work/squawk.runs" 2)"

echo
echo "input: ${#files[@]} .sql files, $bytes bytes ($corpus without pganalyze__libpg_query)"
echo "machine: $(nproc) cores; $(go version | awk '{print $3}'); $("$squawk" --version)"
# The CPU column is the CPU time (user and system) of the run with the best
# wall time: how many cores each tool keeps busy.
printf '%-34s %18s %22s %14s\n' "" "wall, best of $rounds" "peak RSS, best of $rounds" "CPU time"
row() { awk -v n="$1" -v us="$2" -v kb="$3" -v cpu="$4" 'BEGIN { printf "%-34s %16.3f s %18.1f MiB %12.2f s\n", n, us / 1e6, kb / 1024, cpu }'; }
# cpu FILE: the CPU time of the run with the best wall time.
cpu() { sort -n -k1 "$1" | head -n 1 | awk '{print $3}'; }
row "pgsafe lint --format json" "$pg_us" "$pg_kb" "$(cpu "$work/pgsafe.runs")"
fx_us="$(best "$work/fix.runs" 1)"
fx_kb="$(best "$work/fix.runs" 2)"
row "pgsafe fix (diff)" "$fx_us" "$fx_kb" "$(cpu "$work/fix.runs")"
row "squawk --reporter json (binary)" "$sq_us" "$sq_kb" "$(cpu "$work/squawk.runs")"
if [ -n "$squawk_launcher" ]; then
	la_us="$(best "$work/launcher.runs" 1)"
	la_kb="$(best "$work/launcher.runs" 2)"
	row "squawk --reporter json (npm)" "$la_us" "$la_kb" "$(cpu "$work/launcher.runs")"
fi
# ratio NAME PGSAFE_US PGSAFE_KB OTHER_US OTHER_KB: prints pgsafe's ratios
# and whether they meet the target; exits 1 when they miss it.
ratio() {
	awk -v n="$1" -v pu="$2" -v pk="$3" -v su="$4" -v sk="$5" 'BEGIN {
		tr = pu / su; mr = pk / sk
		ok = tr <= 0.5 && mr <= 1.0
		printf "%-34s %18.2f %22.2f   target (<= 0.50, <= 1.00): %s\n", n, tr, mr, ok ? "met" : "missed"
		exit ok ? 0 : 1
	}'
}
met=0
ratio "pgsafe / squawk binary" "$pg_us" "$pg_kb" "$sq_us" "$sq_kb" || met=$?
if [ -n "$squawk_launcher" ]; then
	ratio "pgsafe / squawk via npm" "$pg_us" "$pg_kb" "$la_us" "$la_kb" || true
fi
# fix re-checks what each round changes: its target is 3 times lint's wall
# time on the same input.
awk -v fu="$fx_us" -v lu="$pg_us" -v fk="$fx_kb" -v lk="$pg_kb" 'BEGIN {
	r = fu / lu
	printf "%-34s %18.2f %22.2f   target (<= 3.00): %s\n", "pgsafe fix / pgsafe lint", r, fk / lk, r <= 3 ? "met" : "missed"
}'
if [ "$strict" = 1 ] && [ "$met" != 0 ]; then
	exit 1
fi
