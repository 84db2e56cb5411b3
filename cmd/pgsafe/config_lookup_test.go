package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSearchDir(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, "db/migrations/1.sql", "SELECT 1;\n")
	for _, tt := range []struct{ path, stdinName, want string }{
		{"db/migrations", "", "db/migrations"},       // a folder: itself
		{"db/migrations/1.sql", "", "db/migrations"}, // a file: its folder
		{"db/missing.sql", "", "db"},                 // not there: its folder, for the error
		{"db/**/*.sql", "", "db"},                    // a glob: before its first pattern
		{"db/m*/1.sql", "", "db"},
		{"*.sql", "", "."},
		{"-", "", "."},                                // stdin: the working directory
		{"-", "db/migrations/9.sql", "db/migrations"}, // or --stdin-filename's folder
	} {
		want := filepath.Join(root, filepath.FromSlash(tt.want))
		assert.Equal(t, want, searchDir(tt.path, tt.stdinName, root), "%s (stdin %q)", tt.path, tt.stdinName)
	}
	abs := filepath.Join(root, "db", "migrations")
	assert.Equal(t, abs, searchDir(abs, "", "/elsewhere"), "an absolute path ignores the working directory")
}

func TestNearestConfig(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root,
		"db/.pgsafe.toml", "pg-version = 16\n",
		"db/migrations/1.sql", "SELECT 1;\n",
		"db/seed/1.sql", "SELECT 1;\n",
		"other/1.sql", "SELECT 1;\n",
	)
	e := env{workdir: root}
	dbConfig := filepath.Join(root, "db", ".pgsafe.toml")

	got, err := nearestConfig([]string{"db/migrations", "db/seed/1.sql"}, "", e)
	require.NoError(t, err)
	assert.Equal(t, dbConfig, got, "paths under db share db/.pgsafe.toml")

	got, err = nearestConfig([]string{"other"}, "", e)
	require.NoError(t, err)
	assert.Equal(t, "", got, "no config in other, nor above the temporary folder")

	_, err = nearestConfig([]string{"db/migrations", "other"}, "", e)
	require.Error(t, err)
	assert.Equal(t, "db/migrations and other have different configs (db/.pgsafe.toml and no .pgsafe.toml): lint each migration set in a run of its own, or name one config with --config", err.Error())

	// From db, the working directory need not hold the config.
	got, err = nearestConfig([]string{"migrations"}, "", env{workdir: filepath.Join(root, "db")})
	require.NoError(t, err)
	assert.Equal(t, dbConfig, got)
}

// findingsByFile returns the codes that a concise lint report gives each
// file, in order.
func findingsByFile(out string) map[string][]string {
	got := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		path, rest, ok := strings.Cut(line, ":")
		if !ok || !strings.HasSuffix(path, ".sql") {
			continue
		}
		parts := strings.SplitN(rest, " ", 3)
		if len(parts) >= 2 {
			got[path] = append(got[path], parts[1])
		}
	}
	return got
}

// TestLintFindsEachFilesConfig lints a monorepo from its root, as ruff
// does: each file is read under the .pgsafe.toml nearest to it, nested
// configs included, and the findings make one report.
func TestLintFindsEachFilesConfig(t *testing.T) {
	root := t.TempDir()
	index := "CREATE INDEX i ON t (c);\n"
	writeFiles(t, root,
		".pgsafe.toml", "framework = \"psql\"\nselect = [\"PS001\", \"PS040\"]\n",
		"app/1.sql", index,
		"db/.pgsafe.toml", "framework = \"psql\"\nselect = [\"PS001\"]\n",
		"db/1.sql", index,
		"db/legacy/.pgsafe.toml", "framework = \"psql\"\nselect = [\"PS040\"]\n",
		"db/legacy/1.sql", index,
	)
	code, stdout, stderr := runIn(t, root, nil, "lint", "--format", "concise", "app", "db")
	assert.Equal(t, exitFindings, code, stderr)
	assert.Equal(t, map[string][]string{
		"app/1.sql":       {"PS001", "PS040"},
		"db/1.sql":        {"PS001"},
		"db/legacy/1.sql": {"PS040"},
	}, findingsByFile(stdout), stdout)
	assert.Contains(t, stdout, "in 3 files, 3 statements")

	// The root as the one input: the same.
	code, stdout, stderr = runIn(t, root, nil, "lint", "--format", "concise", ".")
	assert.Equal(t, exitFindings, code, stderr)
	assert.Equal(t, map[string][]string{
		"app/1.sql":       {"PS001", "PS040"},
		"db/1.sql":        {"PS001"},
		"db/legacy/1.sql": {"PS040"},
	}, findingsByFile(stdout), stdout)

	// --config names one config for every file.
	code, stdout, stderr = runIn(t, root, nil, "lint", "--format", "concise", "--config", "db/legacy/.pgsafe.toml", "app", "db")
	assert.Equal(t, exitFindings, code, stderr)
	assert.Equal(t, map[string][]string{"app/1.sql": {"PS040"}, "db/1.sql": {"PS040"}, "db/legacy/1.sql": {"PS040"}}, findingsByFile(stdout), stdout)

	// A glob that reaches into a migration set with a config of its own
	// cannot read those files under the right settings: it says so.
	code, _, stderr = runIn(t, root, nil, "lint", "app/../db/**/*.sql")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "is under db/legacy/.pgsafe.toml, but this run reads db/.pgsafe.toml")
}
