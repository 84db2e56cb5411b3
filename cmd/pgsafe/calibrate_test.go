package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// calibrationTablesLeft returns the tables named pgsafe_calibrate_* in
// the database of target.
func calibrationTablesLeft(t *testing.T, target *pgtarget.Target) []string {
	t.Helper()
	conn, err := target.Connect(context.Background())
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	rows, err := conn.Query(context.Background(), "SELECT relname FROM pg_class WHERE relname LIKE 'pgsafe\\_calibrate\\_%' ORDER BY 1")
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	return names
}

// TestCalibrateCommand calibrates on a real PostgreSQL with small tables:
// progress on stderr for every table and operation, a model in -o that
// LoadModel reads with a price for every class, the command that made it,
// and no table left behind. --add then fits the new measurements with
// the earlier ones.
func TestCalibrateCommand(t *testing.T) {
	target := pgtest.NewTarget(t)
	out := filepath.Join(t.TempDir(), "model.json")
	code, stdout, stderr := runCLI(t, nil, "calibrate", "--database-url", target.URL(), "--rows", "1000,5000", "-o", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	for _, name := range []string{"narrow_1000", "narrow_5000", "wide_1000", "wide_5000"} {
		assert.Contains(t, stderr, "pgsafe: seeding pgsafe_calibrate_"+name+":")
	}
	for i, op := range estimate.Operations {
		assert.Contains(t, stderr, "pgsafe: timing "+strconv.Itoa(i+1)+"/"+strconv.Itoa(len(estimate.Operations))+" ("+string(op.Class)+") on 4 tables: "+op.Statement("t")+"\n")
	}
	perTable := len(estimate.Operations)
	assert.Contains(t, stderr, "pgsafe: wrote the cost model of "+strconv.Itoa(4*perTable)+" measurements to "+out)

	m, err := estimate.LoadModel(out)
	require.NoError(t, err)
	for _, c := range estimate.Classes {
		assert.True(t, m.Has(c), c)
	}
	assert.Len(t, m.Points, 4*perTable)
	assert.Equal(t, "pgsafe calibrate --rows 1000,5000 --repeat 1", m.Calibration.Command)
	assert.Contains(t, m.Calibration.Server, "PostgreSQL ")
	assert.NotEmpty(t, m.Calibration.Machine)
	assert.Empty(t, calibrationTablesLeft(t, target))

	// --add keeps the earlier measurements, to standard output.
	code, stdout, stderr = runCLI(t, nil, "calibrate", "--database-url", target.URL(), "--rows", "1000", "--add", out)
	require.Equal(t, 0, code, stderr)
	added, err := estimate.ReadModel([]byte(stdout), "stdout")
	require.NoError(t, err)
	assert.Len(t, added.Points, 6*perTable)
	assert.Equal(t, "pgsafe calibrate --rows 1000 --repeat 1, with the "+strconv.Itoa(4*perTable)+" measurements of "+out+" (pgsafe calibrate --rows 1000,5000 --repeat 1)", added.Calibration.Command)
	assert.Empty(t, calibrationTablesLeft(t, target))
}

// TestCalibrateUnreachable: a server that does not answer is an error
// naming where pgsafe tried, without the URL's password.
func TestCalibrateUnreachable(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "calibrate", "--database-url", "postgres://nobody:hunter2@127.0.0.1:1/none?sslmode=disable", "--rows", "1000")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "pgsafe: connecting to nobody@127.0.0.1:1/none: failed to connect to `user=nobody database=none`")
	assert.NotContains(t, stderr, "hunter2")

	code, _, stderr = runCLI(t, nil, "calibrate", "--database-url", "postgres://nobody:hunter2@127.0.0.1:port/none")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "pgsafe: --database-url: cannot parse")
	assert.NotContains(t, stderr, "hunter2")
}

// TestCalibrateInterrupted sends Ctrl-C (SIGINT) once calibrate has
// seeded its tables and is timing them: it drops the tables, says so,
// exits 2 and writes no model.
func TestCalibrateInterrupted(t *testing.T) {
	target := pgtest.NewTarget(t)
	out := filepath.Join(t.TempDir(), "model.json")
	// Tables large enough that the timing is still under way when the
	// signal arrives: the twelve operations take seconds on them, while
	// the signal follows the first progress line of the timing at once.
	cmd := exec.Command(os.Args[0], "calibrate", "--database-url", target.URL(), "--rows", "100000", "-o", out)
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stderr)
	for {
		require.True(t, lines.Scan(), "calibrate ended before it timed anything")
		if strings.HasPrefix(lines.Text(), "pgsafe: timing 1/") {
			break
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitUsage, exit.ExitCode())
	assert.Contains(t, rest.String(), "pgsafe: dropped the tables pgsafe_calibrate_* it had created\npgsafe: interrupted\n")
	assert.NoFileExists(t, out)
	assert.Empty(t, calibrationTablesLeft(t, target))
}
