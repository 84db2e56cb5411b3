package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/gittest"
)

// releasedRepo returns a repository with release-tag = "v*" whose
// release v1 shipped db/001_users.sql, and whose work tree adds the
// expand migration 002 and its contract 003 (not committed).
func releasedRepo(t *testing.T, config string) *gittest.Repo {
	r := gittest.New(t)
	r.Write(".pgsafe.toml", "framework = \"psql\"\nrelease-tag = \"v*\"\n"+config)
	r.Write("db/001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n")
	r.Commit("users")
	r.Git("tag", "v1")
	r.Write("db/002_email_address.sql", "ALTER TABLE users ADD COLUMN email_address text;\n"+
		"UPDATE users SET email_address = email WHERE id BETWEEN 1 AND 1000;\n")
	r.Write("db/003_drop_email.sql", "-- pgsafe:contract after 002_email_address.sql\nALTER TABLE users DROP COLUMN email;\n")
	return r
}

// TestReleaseTagReminds follows a contract migration through its
// releases: lint reports it while its expand file has not shipped, then
// reminds of it (a hint) once it has, then says nothing once it has
// shipped too.
func TestReleaseTagReminds(t *testing.T) {
	r := releasedRepo(t, "")
	vars := map[string]string{"PGSAFE_NO_TIMING": "1"}
	lint := func() string {
		t.Helper()
		_, out, stderr := runIn(t, r.Dir, vars, "lint", "--select", "contract-pending", "--format", "concise", "db")
		require.Empty(t, stderr)
		return out
	}
	assert.Contains(t, lint(), `db/003_drop_email.sql:1:1: PS058 contract migration of db/002_email_address.sql, which has not shipped yet (going by release tags "v*")`)

	// The expand file ships in v2, without its contract.
	r.Git("add", "db/002_email_address.sql")
	r.Git("commit", "-q", "-m", "expand")
	r.Git("tag", "v2")
	out := lint()
	assert.Contains(t, out, `db/003_drop_email.sql:1:1: PS058 contract migration of db/002_email_address.sql, which has shipped (going by release tags "v*"): ship it once every running instance of the application no longer reads or writes users.email`)
	code, _, _ := runIn(t, r.Dir, vars, "lint", "--select", "contract-pending", "db")
	assert.Equal(t, exitOK, code, "a hint: it does not fail the run")

	// A tag that is no release changes nothing; v3 ships the contract.
	r.Git("add", "db/003_drop_email.sql")
	r.Git("commit", "-q", "-m", "contract")
	r.Git("tag", "nightly")
	assert.Contains(t, lint(), "PS058")
	r.Git("tag", "v3")
	assert.NotContains(t, lint(), "PS058")
}

// TestContractReleases asks for two releases of the expand file before
// its contract.
func TestContractReleases(t *testing.T) {
	r := releasedRepo(t, "contract-releases = 2\n")
	vars := map[string]string{"PGSAFE_NO_TIMING": "1"}
	r.Git("add", "db/002_email_address.sql")
	r.Git("commit", "-q", "-m", "expand")
	r.Git("tag", "v2")
	_, out, _ := runIn(t, r.Dir, vars, "lint", "--select", "contract-pending", "--format", "concise", "db")
	assert.Contains(t, out, `which has shipped in 1 release (going by release tags "v*") where contract-releases asks for 2`)
	r.Write("README", "v3\n")
	r.Git("add", "README")
	r.Git("commit", "-q", "-m", "another release")
	r.Git("tag", "v3")
	_, out, _ = runIn(t, r.Dir, vars, "lint", "--select", "contract-pending", "--format", "concise", "db")
	assert.Contains(t, out, `which has shipped (going by release tags "v*"): ship it once`)
}

// TestReleaseTagPlan plans what release tags have not shipped: the
// shipped migration is left out, and the contract waits for a deploy.
func TestReleaseTagPlan(t *testing.T) {
	r := releasedRepo(t, "")
	code, out, stderr := runIn(t, r.Dir, nil, "plan", "--format", "json", "db")
	require.Equal(t, exitOK, code, stderr)
	var p struct {
		Deployed []string `json:"deployed"`
		Releases []struct {
			Migrations []struct {
				Path string `json:"path"`
			} `json:"migrations"`
		} `json:"releases"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &p))
	assert.Equal(t, []string{"db/001_users.sql"}, p.Deployed)
	require.Len(t, p.Releases, 2)
	assert.Equal(t, "db/002_email_address.sql", p.Releases[0].Migrations[0].Path)
	assert.Equal(t, "db/003_drop_email.sql", p.Releases[1].Migrations[0].Path)

	// --changed-since wins over release-tag.
	r.Git("add", "-A")
	r.Commit("all")
	code, out, stderr = runIn(t, r.Dir, nil, "plan", "--changed-since", "HEAD", "db")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "every migration has shipped already")
}

func TestReleaseConfigErrors(t *testing.T) {
	r := gittest.New(t)
	r.Write(".pgsafe.toml", "contract-releases = 2\n")
	r.Write("db/001.sql", "SELECT 1;\n")
	code, _, stderr := runIn(t, r.Dir, nil, "lint", "db")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, ".pgsafe.toml:1: contract-releases counts releases, which pgsafe knows only from release-tag")

	dir := t.TempDir() // not a repository
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "db"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".pgsafe.toml"), []byte("release-tag = \"v*\"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "db", "001.sql"), []byte("SELECT 1;\n"), 0o644))
	code, _, stderr = runIn(t, dir, nil, "plan", "db")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, ".pgsafe.toml:1: release-tag: git rev-parse --show-toplevel")
}
