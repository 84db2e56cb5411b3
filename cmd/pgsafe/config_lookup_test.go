package main

import (
	"path/filepath"
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
