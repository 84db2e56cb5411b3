package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envChild makes the test binary a run that starts a cluster under the
// root it names, prints the cluster's folder and waits to be killed.
const envChild = "PGCLUSTER_TEST_CHILD_ROOT"

func TestMain(m *testing.M) {
	if root := os.Getenv(envChild); root != "" {
		c, err := Start(context.Background(), Options{Root: root})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(c.Dir)
		// Until the test kills it: its stdin is never closed.
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		_ = c.Stop()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// start starts a cluster for the test, stopped when it ends; it skips
// when the server binaries are missing.
func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	c, err := Start(context.Background(), opts)
	if errors.Is(err, ErrNoBinaries) {
		t.Skip(err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// testRoot returns a root for clusters that no other test process
// sweeps, which the server's account can pass through.
func testRoot(t *testing.T) string {
	t.Helper()
	root, err := os.MkdirTemp("", "pgcluster-test-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(root, 0o711))
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	return root
}

// TestStartRunsAPrivateServer starts a real cluster and runs a query
// through psql over its socket. The cluster listens on no TCP port, and
// its socket lies in a folder that only the server's account can enter.
// Stop removes everything.
func TestStartRunsAPrivateServer(t *testing.T) {
	c := start(t, Options{})
	out, err := exec.Command(filepath.Join(c.BinDir, "psql"), c.ConnString("postgres"), "-Atc", "select current_setting('listen_addresses') = ''").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, "t", strings.TrimSpace(string(out)), "listen_addresses is empty")
	for _, host := range []string{"127.0.0.1", "::1"} {
		nc, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(c.Port)), 10*time.Second)
		if err == nil {
			_ = nc.Close()
		}
		assert.Error(t, err, "nothing listens on %s port %d", host, c.Port)
	}

	info, err := os.Stat(c.Dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "the socket's folder")
	owner := info.Sys().(*syscall.Stat_t).Uid
	if os.Geteuid() == 0 {
		assert.Equal(t, c.cred.Uid, owner, "owned by the server's account")
	} else {
		assert.Equal(t, uint32(os.Geteuid()), owner)
	}
	root, err := os.Stat(filepath.Dir(c.Dir))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o711), root.Mode().Perm(), "others may pass through the root, not list it")

	require.NoError(t, c.Stop())
	assert.NoDirExists(t, c.Dir)
}

// TestTCPNeedsThePassword: with Options.TCP, the cluster listens on
// 127.0.0.1 too, and every connection must give the random password.
func TestTCPNeedsThePassword(t *testing.T) {
	c := start(t, Options{TCP: true})
	require.NotEmpty(t, c.Password)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.TCPURL("postgres"))
	require.NoError(t, err)
	_ = conn.Close(ctx)
	for _, connString := range []string{
		fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.Port),
		fmt.Sprintf("postgres://postgres:wrong@127.0.0.1:%d/postgres?sslmode=disable", c.Port),
		fmt.Sprintf("host=%s port=%d user=postgres dbname=postgres", c.Dir, c.Port),
	} {
		conn, err := pgx.Connect(ctx, connString)
		if err == nil {
			_ = conn.Close(ctx)
		}
		assert.ErrorContains(t, err, "password", "no way in without the password")
	}
}

// TestKilledRunIsRemoved kills (SIGKILL) a process whose cluster runs, and
// checks that the next Start stops that cluster's server and removes its
// folder, and that a running process's cluster is left alone.
func TestKilledRunIsRemoved(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Skip(err)
	}
	root := testRoot(t)
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), envChild+"="+root)
	stdin, err := child.StdinPipe()
	require.NoError(t, err)
	defer func() { _ = stdin.Close() }()
	stdout, err := child.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, child.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "the child prints its cluster's folder once the server runs")
	dir := strings.TrimSpace(line)
	require.DirExists(t, dir, line)
	postmaster := postmasterPID(t, dir)
	require.True(t, processAlive(postmaster))

	assert.NotContains(t, RemoveStale(root), dir, "the cluster of a running process stays")
	assert.DirExists(t, dir)

	require.NoError(t, child.Process.Signal(syscall.SIGKILL))
	_ = child.Wait()
	require.DirExists(t, dir, "a killed run leaves its cluster behind")
	require.True(t, processAlive(postmaster), "and its server running")

	next := start(t, Options{Root: root})
	assert.Equal(t, []string{dir}, next.Stale, "the next run finds the cluster of the killed one")
	assert.NoDirExists(t, dir)
	assert.False(t, processAlive(postmaster), "the server of the killed run is stopped")
	assert.True(t, processAlive(postmasterPID(t, next.Dir)), "the next run's own server runs")
}

// postmasterPID reads the process id of the server of the cluster in dir.
func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	require.NoError(t, err)
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	require.NoError(t, err)
	return pid
}

// TestEnsureRootRefusesAForeignFolder: a root that others can write to is
// refused, since another user could have put a cluster's folder there.
func TestEnsureRootRefusesAForeignFolder(t *testing.T) {
	root := filepath.Join(t.TempDir(), "clusters")
	require.NoError(t, os.Mkdir(root, 0o777))
	require.NoError(t, os.Chmod(root, 0o777))
	assert.ErrorContains(t, ensureRoot(root), "no one else can write to")
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(t.TempDir(), link))
	assert.Error(t, ensureRoot(link), "a symbolic link is refused")
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
