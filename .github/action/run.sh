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
#   PGSAFE_SARIF    "true" to also write a SARIF file, from the same run,
#                   whose path goes to the step's output sarif-file
#                   (GITHUB_OUTPUT)
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
	# One run: the SARIF log goes to the file (--output-file, written
	# atomically, and not at all on a usage error), the annotations to
	# standard output, and the exit code is the annotations'.
	rm -f "$sarif"
	status=0
	GITHUB_ACTIONS=true pgsafe lint --format sarif --output-file "$sarif" --fail-on "$fail_on" "${args[@]}" "${paths[@]}" || status=$?
	if [ -s "$sarif" ]; then
		echo "sarif-file=$sarif" >>"${GITHUB_OUTPUT:-/dev/null}"
	fi
	exit "$status"
fi

pgsafe lint --format github --fail-on "$fail_on" "${args[@]}" "${paths[@]}"
