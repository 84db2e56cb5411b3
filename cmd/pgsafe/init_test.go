package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/config"
)

// configSchema compiles docs/pgsafe.schema.json.
func configSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "docs", "pgsafe.schema.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("https://pgsafe.test/pgsafe.schema.json", doc))
	s, err := c.Compile("https://pgsafe.test/pgsafe.schema.json")
	require.NoError(t, err)
	return s
}

// checkConfigText checks that text loads as a .pgsafe.toml and is valid
// against the JSON Schema, and returns what it sets.
func checkConfigText(t *testing.T, schema *jsonschema.Schema, text string) *config.Config {
	t.Helper()
	cfg, err := config.Parse(".pgsafe.toml", text)
	require.NoError(t, err, text)
	var v map[string]any
	_, err = toml.Decode(text, &v)
	require.NoError(t, err)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(inst), text)
	return cfg
}

func TestInitDetectsEachMigrationSet(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir,
		"db/migrations/00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n",
		"services/billing/migrations/1_b.up.sql", "CREATE TABLE b (id int);\n",
		"services/billing/migrations/1_b.down.sql", "DROP TABLE b;\n",
		"services/billing/migrations/.keep", "",
		"services/search/20240101000000_c.sql", "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n",
		"scripts/adhoc.sql", "SELECT 1;\n",
		"services/billing/migrations/2_d.up.sql", "CREATE TABLE d (id int);\n",
		"services/billing/migrations/2_d.down.sql", "DROP TABLE d;\n",
		"services/search/20240102000000_e.sql", "-- migrate:up\nSELECT 1;\n",
		"db/migrations/00002_f.sql", "-- +goose Up\nSELECT 1;\n",
		"services/billing/migrations/3_g.up.sql", "SELECT 1;\n",
		"services/billing/migrations/3_g.down.sql", "SELECT 1;\n",
		"services/search/20240103000000_h.sql", "-- migrate:up\nSELECT 1;\n",
		"services/search/20240104000000_i.sql", "-- migrate:up\nSELECT 1;\n",
	)
	schema := configSchema(t)
	t.Chdir(dir)
	code, stdout, stderr := runArgs(t, env{workdir: dir}, "init", "--pg-version", "16")
	require.Equal(t, exitOK, code, stderr)
	b, err := os.ReadFile(filepath.Join(dir, ".pgsafe.toml"))
	require.NoError(t, err)
	cfg := checkConfigText(t, schema, string(b))
	assert.Equal(t, 16, cfg.PGVersion)
	assert.Empty(t, cfg.Framework, "several tools: per folder only")
	assert.Equal(t, "goose", cfg.Frameworks["db/migrations"])
	assert.Equal(t, "dbmate", cfg.Frameworks["services/search"])
	// File names alone (golang-migrate's .up.sql/.down.sql pairs), or
	// nothing, are a guess, which init does not write down as a fact.
	assert.Len(t, cfg.Frameworks, 2)
	assert.Equal(t, "pgsafe: wrote .pgsafe.toml: 2 migration tools in 2 folders, PostgreSQL 16\n", stdout)

	// The written config is the one lint then reads, with the same tools.
	code, _, stderr = runArgs(t, env{workdir: dir}, "lint", "--fail-on", "never", "db/migrations")
	assert.Equal(t, exitOK, code, stderr)
}

func TestInitOutputIsValidConfig(t *testing.T) {
	schema := configSchema(t)
	for name, sets := range map[string][]migrationSet{
		"none": nil,
		"one":  {{Dir: "db/migrations", Tool: "goose", Evidence: "-- +goose annotations"}},
		"same": {{Dir: "a", Tool: "flyway", Evidence: "x"}, {Dir: "b", Tool: "flyway", Evidence: "y"}},
		"many": {{Dir: ".", Tool: "goose", Evidence: "x"}, {Dir: "svc/db", Tool: "sqitch", Evidence: "sqitch.plan in the folder"}},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := checkConfigText(t, schema, initConfig(17, sets, []string{"."}))
			assert.Equal(t, 17, cfg.PGVersion)
			switch name {
			case "one", "same":
				assert.Equal(t, sets[0].Tool, cfg.Framework)
			case "many":
				assert.Equal(t, map[string]string{"*.sql": "goose", "svc/db": "sqitch"}, cfg.Frameworks)
			default:
				assert.Empty(t, cfg.Framework)
				assert.Empty(t, cfg.Frameworks)
			}
		})
	}
}

func TestInitRefusesToReplace(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, ".pgsafe.toml", "pg-version = 16\n")
	t.Chdir(dir)
	code, _, stderr := runArgs(t, env{workdir: dir}, "init")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "pgsafe: .pgsafe.toml already exists; pass --force to replace it\n", stderr)
	b, err := os.ReadFile(filepath.Join(dir, ".pgsafe.toml"))
	require.NoError(t, err)
	assert.Equal(t, "pg-version = 16\n", string(b))

	code, _, stderr = runArgs(t, env{workdir: dir}, "init", "--pg-version", "10")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "pgsafe: --pg-version 10 is out of range (11 to 18)\n", stderr)
}
