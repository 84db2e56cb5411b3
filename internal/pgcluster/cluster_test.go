package pgcluster

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartRunsAServer starts a real cluster, runs a query through psql,
// and checks that Stop removes everything.
func TestStartRunsAServer(t *testing.T) {
	c, err := Start(context.Background())
	if err != nil {
		if err == ErrNoBinaries {
			t.Skip(err)
		}
		require.NoError(t, err)
	}
	out, err := exec.Command(filepath.Join(c.BinDir, "psql"), c.URL("postgres"), "-Atc", "select 40+2").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "42", strings.TrimSpace(string(out)))
	require.NoError(t, c.Stop())
	assert.NoDirExists(t, c.Dir)
}

func TestProgramMajor(t *testing.T) {
	for line, want := range map[string]int{
		"pg_dump (PostgreSQL) 15.14 (Debian 15.14-1.pgdg120+1)": 15,
		"pg_dump (PostgreSQL) 9.6.24":                           9,
		"pg_dump (PostgreSQL) 18beta1":                          18,
		"pg_dump":                                               0,
		"pg_dump (PostgreSQL) ":                                 0,
	} {
		assert.Equal(t, want, programMajor(line), line)
	}
}

func TestFindProgram(t *testing.T) {
	path, err := FindProgram("pg_dump", 0)
	if err != nil {
		t.Skip(err)
	}
	assert.FileExists(t, path)
	_, err = FindProgram("pg_dump", 99)
	assert.ErrorContains(t, err, "of PostgreSQL 99 or newer is needed")
}
