package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of inputs and repositories that work against pgsafe: files that
// are not what they seem, runs that are interrupted, files that change
// under a fix.

// runIn runs pgsafe in dir with stdin and returns the exit code, stdout
// and stderr.
func runWithStdin(t *testing.T, dir string, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	code := runEnv(context.Background(), append([]string{"pgsafe"}, args...), env{
		stdin: stdin, stdout: &stdout, stderr: &stderr,
		getenv:     func(k string) string { return map[string]string{"PGSAFE_NO_TIMING": "1"}[k] },
		workdir:    dir,
		isTerminal: func(io.Writer) bool { return false },
	})
	return code, stdout.String(), stderr.String()
}

// psqlIndex is a psql migration that pgsafe fix rewrites in place.
const psqlIndex = "SET lock_timeout = '2s';\nCREATE INDEX accounts_email_idx ON accounts (email);\n"

// fixedPsqlIndex is psqlIndex fixed.
func fixedPsqlIndex(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, "1.sql", psqlIndex)
	code, out, errOut := runWithStdin(t, dir, strings.NewReader(psqlIndex), "fix", "--framework", "psql", "--stdin-filename", "1.sql", "-")
	require.Equal(t, exitOK, code, errOut)
	require.NotEqual(t, psqlIndex, out)
	return out
}

// entries lists the names in dir, to check that no temporary file is left.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestFixWriteThroughSymlink(t *testing.T) {
	want := fixedPsqlIndex(t)
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	writeFiles(t, dir, "shared/1_index.sql", psqlIndex)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "db"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join("..", "shared", "1_index.sql"), filepath.Join(dir, "db", "1_index.sql")))

	code, _, stderr := runWithStdin(t, dir, nil, "fix", "--framework", "psql", "--write", "db")
	require.Equal(t, exitOK, code, stderr)
	info, err := os.Lstat(filepath.Join(dir, "db", "1_index.sql"))
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, info.Mode().Type(), "the migration is still a symlink")
	got, err := os.ReadFile(filepath.Join(dir, "shared", "1_index.sql"))
	require.NoError(t, err)
	assert.Equal(t, want, string(got), "the link's target is fixed")
	assert.ElementsMatch(t, []string{"1_index.sql"}, entries(t, filepath.Join(dir, "db")))
	assert.ElementsMatch(t, []string{"1_index.sql"}, entries(t, filepath.Join(dir, "shared")))
}

func TestFixWriteKeepsOwnerGroupAndMode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file to another user")
	}
	const nobody = 65534
	dir := t.TempDir()
	writeFiles(t, dir, "1_index.sql", psqlIndex)
	path := filepath.Join(dir, "1_index.sql")
	require.NoError(t, os.Chown(path, nobody, nobody))
	require.NoError(t, os.Chmod(path, 0o640))

	code, _, stderr := runWithStdin(t, dir, nil, "fix", "--framework", "psql", "--write", "1_index.sql")
	require.Equal(t, exitOK, code, stderr)
	info, err := os.Stat(path)
	require.NoError(t, err)
	st := info.Sys().(*syscall.Stat_t)
	assert.Equal(t, uint32(nobody), st.Uid, "owner")
	assert.Equal(t, uint32(nobody), st.Gid, "group")
	assert.Equal(t, os.FileMode(0o640), info.Mode())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotEqual(t, psqlIndex, string(got), "written")
}

func TestFixWriteRefusesReadOnlyFilesAndWritesTheOthers(t *testing.T) {
	want := fixedPsqlIndex(t)
	dir := t.TempDir()
	writeFiles(t, dir, "1_a.sql", psqlIndex, "2_b.sql", strings.ReplaceAll(psqlIndex, "accounts", "orders"), "3_c.sql", strings.ReplaceAll(psqlIndex, "accounts", "users"))
	readOnly := filepath.Join(dir, "2_b.sql")
	require.NoError(t, os.Chmod(readOnly, 0o444))

	code, stdout, stderr := runWithStdin(t, dir, nil, "fix", "--framework", "psql", "--write", ".")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stdout, "pgsafe fix: 2 files changed, 1 not written, 3 fixes applied\n")
	assert.Contains(t, stdout, "  wrote 1_a.sql\n")
	assert.Contains(t, stdout, "  not written 2_b.sql: read-only (mode 0444): make it writable to have pgsafe write it\n")
	assert.Contains(t, stdout, "  wrote 3_c.sql\n")
	assert.Equal(t, "pgsafe: 1 of 3 files not written\n", stderr)

	got, err := os.ReadFile(readOnly)
	require.NoError(t, err)
	assert.Equal(t, strings.ReplaceAll(psqlIndex, "accounts", "orders"), string(got), "the read-only file is left alone")
	got, err = os.ReadFile(filepath.Join(dir, "1_a.sql"))
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
	got, err = os.ReadFile(filepath.Join(dir, "3_c.sql"))
	require.NoError(t, err)
	assert.Equal(t, strings.ReplaceAll(want, "accounts", "users"), string(got), "the file after the failure is written")
	assert.ElementsMatch(t, []string{"1_a.sql", "2_b.sql", "3_c.sql"}, entries(t, dir))

	t.Run("json", func(t *testing.T) {
		code, stdout, stderr := runWithStdin(t, dir, nil, "fix", "--framework", "psql", "--write", "--format", "json", ".")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stdout, `"write_error": "read-only (mode 0444)`)
		assert.Contains(t, stderr, "pgsafe: 2_b.sql: not written: read-only (mode 0444)")
	})
}

func TestFixWriteKeepsCRLF(t *testing.T) {
	dir := t.TempDir()
	crlf := strings.ReplaceAll("-- +goose Up\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN status text;\nCREATE INDEX orders_status_idx ON orders (status);\n\n-- +goose Down\nALTER TABLE orders DROP COLUMN status;\n", "\n", "\r\n")
	writeFiles(t, dir, "00002_status.sql", crlf)
	code, _, stderr := runWithStdin(t, dir, nil, "fix", "--write", ".")
	require.Equal(t, exitOK, code, stderr)
	b, err := os.ReadFile(filepath.Join(dir, "00002_status.sql"))
	require.NoError(t, err)
	got := string(b)
	require.NotEqual(t, crlf, got, "fixed")
	assert.Contains(t, got, "CONCURRENTLY")
	assert.Equal(t, strings.Count(got, "\n"), strings.Count(got, "\r\n"), "every line ends with CRLF: %q", got)
}

func TestFixReportsSyntaxErrors(t *testing.T) {
	broken := "-- prices in €\nSELECT 'naïve café' AS a;\nSELECT 'ü', 'é' FROMM t;\nCREATE INDEX i ON t (c);\n"
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		writeFiles(t, dir, "a.sql", broken, "b.sql", psqlIndex)
		return dir
	}
	const where = `pgsafe: a.sql:3:23: syntax error at or near "t" (the file is not fixed; pgsafe lint shows the line)` + "\n"

	t.Run("diff", func(t *testing.T) {
		code, stdout, stderr := runWithStdin(t, setup(t), nil, "fix", "--framework", "psql", "a.sql", "b.sql")
		assert.Equal(t, exitUsage, code)
		assert.Equal(t, where, stderr)
		assert.Contains(t, stdout, "+++ b/b.sql", "the other file is still fixed")
		assert.NotContains(t, stdout, "a/a.sql")
	})
	t.Run("check", func(t *testing.T) {
		code, _, stderr := runWithStdin(t, setup(t), nil, "fix", "--framework", "psql", "--check", "a.sql")
		assert.Equal(t, exitUsage, code)
		assert.Equal(t, where, stderr)
	})
	t.Run("write", func(t *testing.T) {
		dir := setup(t)
		code, _, stderr := runWithStdin(t, dir, nil, "fix", "--framework", "psql", "--write", "a.sql", "b.sql")
		assert.Equal(t, exitUsage, code)
		assert.Equal(t, where, stderr)
		got, err := os.ReadFile(filepath.Join(dir, "a.sql"))
		require.NoError(t, err)
		assert.Equal(t, broken, string(got))
		got, err = os.ReadFile(filepath.Join(dir, "b.sql"))
		require.NoError(t, err)
		assert.NotEqual(t, psqlIndex, string(got), "the other file is written")
	})
	t.Run("stdin", func(t *testing.T) {
		code, stdout, stderr := runWithStdin(t, t.TempDir(), strings.NewReader(broken), "fix", "--framework", "psql", "--stdin-filename", "a.sql", "-")
		assert.Equal(t, exitUsage, code)
		assert.Equal(t, where, stderr)
		assert.Equal(t, broken, stdout, "the text comes back unchanged")
	})
}

func TestLintRefusesASymlinkOutOfTheRepository(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir,
		"home/.pgpass", "db.internal:5432:*:app:s3cret-password\n",
		"repo/db/1_a.sql", "CREATE TABLE a (id int);\n")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "repo", ".git"), 0o755))
	link := filepath.Join("..", "..", "home", ".pgpass")
	require.NoError(t, os.Symlink(link, filepath.Join(dir, "repo", "db", "2_b.sql")))
	repo := filepath.Join(dir, "repo")

	for _, format := range []string{"text", "json", "github", "sarif", "gitlab"} {
		code, stdout, stderr := runWithStdin(t, repo, nil, "lint", "--format", format, "db")
		assert.Equal(t, exitUsage, code, format)
		assert.NotContains(t, stdout+stderr, "s3cret", format)
		assert.Contains(t, stdout+stderr, "2_b.sql", format)
		assert.Contains(t, stdout+stderr, "outside the repository", format)
	}
	_, stdout, _ := runWithStdin(t, repo, nil, "lint", "db")
	assert.Contains(t, stdout, "error: "+filepath.Join("db", "2_b.sql")+": a symlink to "+link)

	code, stdout, _ := runWithStdin(t, repo, nil, "lint", "--select", "PS000", filepath.Join("db", "2_b.sql"))
	assert.Equal(t, exitFindings, code, "named on the command line, the file is read (and does not parse)")
	assert.Contains(t, stdout, "syntax-error")

	code, stdout, stderr := runWithStdin(t, repo, nil, "fix", "db")
	assert.Equal(t, exitUsage, code)
	assert.NotContains(t, stdout+stderr, "s3cret")
	assert.Contains(t, stderr, "outside the repository")
}

func TestMaxFileSize(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("SELECT 1;\n", 200)
	writeFiles(t, dir, "1_small.sql", "SELECT 1;\n", "2_big.sql", big)

	code, stdout, _ := runWithStdin(t, dir, strings.NewReader(big), "lint", "--max-file-size", "1KiB", ".", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stdout, "error: 2_big.sql: larger than 1 KiB, the limit on an input (--max-file-size)")
	assert.Contains(t, stdout, "error: <stdin>: larger than 1 KiB")

	writeFiles(t, dir, ".pgsafe.toml", "max-file-size = \"1KiB\"\n")
	code, stdout, _ = runWithStdin(t, dir, nil, "lint", ".")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stdout, "error: 2_big.sql: larger than 1 KiB")

	code, _, _ = runWithStdin(t, dir, nil, "lint", "--max-file-size", "1MiB", ".")
	assert.Equal(t, exitOK, code, "the flag wins over the config")

	code, _, stderr := runWithStdin(t, dir, nil, "lint", "--max-file-size", "lots", ".")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `pgsafe: --max-file-size: "lots" is not a size`)
}

// pgsafeCommand returns a command that runs pgsafe as a process of its
// own (this test binary, which TestMain turns into pgsafe), in dir.
func pgsafeCommand(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envRunMain+"=1", "PGSAFE_NO_TIMING=1")
	return cmd
}

// watchdog kills cmd and fails the test if it has not exited by the
// time the test's deadline nears or, without one, after a minute: it only
// turns a hang into a failure, and passing runs never wait for it.
func watchdog(t *testing.T, cmd *exec.Cmd) (stop func()) {
	t.Helper()
	limit := time.Minute
	if d, ok := t.Deadline(); ok && time.Until(d)/2 < limit {
		limit = time.Until(d) / 2
	}
	timer := time.AfterFunc(limit, func() {
		t.Errorf("pgsafe %v did not exit; killed", cmd.Args[1:])
		_ = cmd.Process.Kill()
	})
	return func() { timer.Stop() }
}

// TestInterrupted sends SIGINT and SIGTERM to lint and fix --write while
// they wait for standard input (a pipe the test keeps open and never
// writes): only the signal can end the run. The test waits for the
// process to say that it reads stdin (PGSAFE_DEBUG_READS), never for a
// time.
func TestInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for _, args := range [][]string{
			{"lint", "-"},
			{"fix", "--framework", "psql", "--write", "db", "-"},
		} {
			t.Run(sig.String()+" "+args[0], func(t *testing.T) {
				dir := t.TempDir()
				writeFiles(t, dir, "db/1_index.sql", psqlIndex)
				cmd := pgsafeCommand(dir, args...)
				cmd.Env = append(cmd.Env, "PGSAFE_DEBUG_READS=1")
				stdin, err := cmd.StdinPipe()
				require.NoError(t, err)
				defer func() { _ = stdin.Close() }()
				stderr, err := cmd.StderrPipe()
				require.NoError(t, err)
				require.NoError(t, cmd.Start())
				defer watchdog(t, cmd)()

				lines := bufio.NewScanner(stderr)
				var before []string
				for lines.Scan() && lines.Text() != "pgsafe: reading <stdin>" {
					before = append(before, lines.Text())
				}
				require.NoError(t, cmd.Process.Signal(sig))
				var rest []string
				for lines.Scan() {
					rest = append(rest, lines.Text())
				}
				err = cmd.Wait()
				var exit *exec.ExitError
				require.ErrorAs(t, err, &exit, "stderr: %q then %q", before, rest)
				assert.Equal(t, exitUsage, exit.ExitCode(), "exits with an error, not killed by the signal")
				assert.Contains(t, rest, "pgsafe: interrupted")

				got, err := os.ReadFile(filepath.Join(dir, "db", "1_index.sql"))
				require.NoError(t, err)
				assert.Equal(t, psqlIndex, string(got), "nothing is written")
				assert.Equal(t, []string{"1_index.sql"}, entries(t, filepath.Join(dir, "db")), "no temporary file")
			})
		}
	}
}

// TestUnreadableFolderIsReportedAndTheWalkGoesOn runs lint as the user
// nobody when the test runs as root, whom folder permissions do not stop.
func TestUnreadableFolderIsReportedAndTheWalkGoesOn(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir,
		"m/1_a.sql", "CREATE INDEX a_idx ON t (c);\n",
		"m/2_locked/x.sql", "CREATE INDEX x_idx ON t (c);\n",
		"m/3_c.sql", "CREATE INDEX c_idx ON t (c);\n",
		"m/4_sub/d.sql", "CREATE INDEX d_idx ON t (c);\n",
	)
	locked := filepath.Join(dir, "m", "2_locked")
	require.NoError(t, os.Chmod(locked, 0))
	t.Cleanup(func() { _ = os.Chmod(locked, 0o755) })

	bin := os.Args[0]
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		// The user nobody must reach the binary and the folder.
		const nobody = 65534
		for d := dir; d != os.TempDir() && d != filepath.Dir(d); d = filepath.Dir(d) {
			require.NoError(t, os.Chmod(d, 0o755))
		}
		bin = filepath.Join(dir, "pgsafe.test")
		b, err := os.ReadFile(os.Args[0])
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(bin, b, 0o755))
		cred = &syscall.Credential{Uid: nobody, Gid: nobody}
	}
	cmd := exec.Command(bin, "lint", "--select", "PS001", "m")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), envRunMain+"=1", "PGSAFE_NO_TIMING=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
	assert.Equal(t, exitUsage, exit.ExitCode(), "stderr: %s", stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "error: "+filepath.Join("m", "2_locked")+": permission denied: the files in this folder are not read")
	for _, f := range []string{"m/1_a.sql", "m/3_c.sql", "m/4_sub/d.sql"} {
		assert.Contains(t, out, filepath.FromSlash(f)+":1:1: error[PS001]", "the walk goes on after the unreadable folder")
	}
}
