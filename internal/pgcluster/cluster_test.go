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
