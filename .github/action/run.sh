#!/usr/bin/env bash
# Runs pgsafe lint for the GitHub Action (action.yml), from the inputs that
# action.yml passes as environment variables:
#
#   PGSAFE_WORKING_DIRECTORY  the folder to run in, which paths, args and
#                             config are relative to ("" for the workspace)
#   PGSAFE_PATHS    files, folders or globs, separated by white space
#   PGSAFE_ARGS     extra arguments for pgsafe lint, separated by white space
#   PGSAFE_CONFIG   a settings file for --config, or "" for the nearest
#                   .pgsafe.toml
#   PGSAFE_FAIL_ON  hint, warning, error or never
#   PGSAFE_SARIF    "true" to also write a SARIF file, whose path goes to
#                   the step's output sarif-file (GITHUB_OUTPUT)
#
# The findings become annotations (--format github), pgsafe appends the job
# summary to GITHUB_STEP_SUMMARY, and the exit code is pgsafe's: 1 when a
# finding reaches fail-on, 2 on a usage or input error.

# Split the inputs on white space (spaces, tabs, new lines) without
# expanding globs: pgsafe expands them itself.
set -f
# shellcheck disable=SC2206 # word splitting is the point
paths=(${PGSAFE_PATHS:-})
# shellcheck disable=SC2206
args=(${PGSAFE_ARGS:-})
fail_on="${PGSAFE_FAIL_ON:-warning}"

if [ "${#paths[@]}" -eq 0 ]; then
	echo "::error title=pgsafe::the paths input is empty: name the migration files, folders or globs to lint"
	exit 2
fi
if [ -n "${PGSAFE_WORKING_DIRECTORY:-}" ] && ! cd "$PGSAFE_WORKING_DIRECTORY"; then
	echo "::error title=pgsafe::the working-directory input names no folder: $PGSAFE_WORKING_DIRECTORY"
	exit 2
fi
if [ -n "${PGSAFE_CONFIG:-}" ]; then
	args=(--config "$PGSAFE_CONFIG" "${args[@]}")
fi

if [ "${PGSAFE_SARIF:-false}" = "true" ]; then
	sarif="${RUNNER_TEMP:-.}/pgsafe.sarif"
	# The annotations below decide the step's outcome; this run only writes
	# the file, whatever it finds. It writes beside the file and moves the
	# log into place only when pgsafe wrote one: a usage error leaves no
	# file, not even an empty one, and stops the step here.
	rm -f "$sarif"
	status=0
	pgsafe lint --format sarif --fail-on never "${args[@]}" "${paths[@]}" >"$sarif.partial" || status=$?
	if [ "$status" -gt 2 ] || [ ! -s "$sarif.partial" ]; then
		rm -f "$sarif.partial"
		exit "$((status == 0 ? 2 : status))"
	fi
	mv "$sarif.partial" "$sarif"
	echo "sarif-file=$sarif" >>"${GITHUB_OUTPUT:-/dev/null}"
fi

pgsafe lint --format github --fail-on "$fail_on" "${args[@]}" "${paths[@]}"
