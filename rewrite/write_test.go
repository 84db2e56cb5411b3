package rewrite

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// assertOnly checks that dir holds exactly names: no temporary file left.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got, "files in %s (a temporary file left behind?)", dir)
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestWriteAtomicKeepsModeAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "001.sql")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
	require.NoError(t, WriteAtomic(path, []byte("new")))
	assert.Equal(t, "new", readString(t, path))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assertOnly(t, dir, "001.sql")
}

func TestWriteAtomicNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "002.sql")
	require.NoError(t, WriteAtomic(path, []byte("x")))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}

func TestWriteAtomicFailureKeepsOriginal(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing-dir", "003.sql")
	assert.Error(t, WriteAtomic(path, []byte("x")))
	_, err := os.Stat(path)
	assert.True(t, os.IsNotExist(err))
}

func TestReplaceFileWritesThroughSymlinks(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "shared"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "db"), 0o755))
	target := filepath.Join(dir, "shared", "1.sql")
	link := filepath.Join(dir, "db", "1.sql")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o640))
	require.NoError(t, os.Symlink(filepath.Join("..", "shared", "1.sql"), link))

	require.NoError(t, ReplaceFile(context.Background(), link, []byte("old"), []byte("new")))
	info, err := os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, info.Mode().Type(), "the link stays a link")
	assert.Equal(t, "new", readString(t, target))
	info, err = os.Stat(target)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), info.Mode().Perm())
	assertOnly(t, filepath.Join(dir, "db"), "1.sql")
	assertOnly(t, filepath.Join(dir, "shared"), "1.sql")
}

func TestReplaceFileKeepsOwnerAndGroup(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file to another user")
	}
	const nobody = 65534
	dir := t.TempDir()
	path := filepath.Join(dir, "1.sql")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o664))
	require.NoError(t, os.Chown(path, nobody, nobody))
	require.NoError(t, os.Chmod(path, 0o664|os.ModeSetgid)) // which chown would clear

	require.NoError(t, ReplaceFile(context.Background(), path, []byte("old"), []byte("new")))
	info, err := os.Stat(path)
	require.NoError(t, err)
	st := info.Sys().(*syscall.Stat_t)
	assert.Equal(t, uint32(nobody), st.Uid)
	assert.Equal(t, uint32(nobody), st.Gid)
	assert.Equal(t, os.FileMode(0o664)|os.ModeSetgid, info.Mode())
	assert.Equal(t, "new", readString(t, path))
}

func TestReplaceFileRefusesAReadOnlyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "1.sql")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o444))
	err := ReplaceFile(context.Background(), path, []byte("old"), []byte("new"))
	require.ErrorIs(t, err, ErrReadOnly)
	assert.Contains(t, err.Error(), "read-only (mode 0444)")
	assert.Equal(t, "old", readString(t, path))
	assertOnly(t, dir, "1.sql")
}

func TestReplaceFileRefusesAFileChangedSinceRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "1.sql")
	require.NoError(t, os.WriteFile(path, []byte("edited by someone"), 0o644))
	err := ReplaceFile(context.Background(), path, []byte("as read"), []byte("new"))
	require.ErrorIs(t, err, ErrChanged)
	assert.Equal(t, "changed since pgsafe read it; run again", err.Error())
	assert.Equal(t, "edited by someone", readString(t, path))
	assertOnly(t, dir, "1.sql")

	// Same size, other bytes.
	require.NoError(t, os.WriteFile(path, []byte("as reaD"), 0o644))
	require.ErrorIs(t, ReplaceFile(context.Background(), path, []byte("as read"), []byte("new")), ErrChanged)

	require.NoError(t, os.Remove(path))
	require.ErrorIs(t, ReplaceFile(context.Background(), path, []byte("as read"), []byte("new")), ErrChanged)
	assertOnly(t, dir)
}

func TestReplaceFileStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "1.sql")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, ReplaceFile(ctx, path, []byte("old"), []byte("new")), context.Canceled)
	assert.Equal(t, "old", readString(t, path))
	assertOnly(t, dir, "1.sql")
}

func TestCreateFileNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "2.sql")
	require.NoError(t, CreateFile(context.Background(), path, []byte("new")))
	assert.Equal(t, "new", readString(t, path))
	require.ErrorIs(t, CreateFile(context.Background(), path, []byte("newer")), ErrExists)
	assert.Equal(t, "new", readString(t, path))
	require.NoError(t, os.Symlink("nowhere", filepath.Join(dir, "3.sql")))
	require.ErrorIs(t, CreateFile(context.Background(), filepath.Join(dir, "3.sql"), []byte("x")), ErrExists)
	assertOnly(t, dir, "2.sql", "3.sql")
}

// writeSet writes files (name, text) into a new folder and returns it
// with a Result that fixes them to their upper case.
func writeSet(t *testing.T, names ...string) (string, *Result) {
	t.Helper()
	dir := t.TempDir()
	res := &Result{}
	for _, n := range names {
		p := filepath.Join(dir, n)
		text := "select " + n + ";\n"
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		res.Files = append(res.Files, &File{Path: p, Original: text, Fixed: strings.ToUpper(text)})
	}
	return dir, res
}

func TestWriteTriesEveryFile(t *testing.T) {
	dir, res := writeSet(t, "1.sql", "2.sql", "3.sql", "4.sql")
	// Edited since it was read; made read-only since.
	require.NoError(t, os.WriteFile(res.Files[1].Path, []byte("select 2; -- edited\n"), 0o644))
	require.NoError(t, os.Chmod(res.Files[2].Path, 0o444))

	err := res.Write(context.Background())
	require.Error(t, err)
	assert.Equal(t, "2 of 4 files not written", err.Error())
	assert.True(t, res.Files[0].Written)
	assert.False(t, res.Files[1].Written)
	assert.ErrorIs(t, res.Files[1].WriteErr, ErrChanged)
	assert.False(t, res.Files[2].Written)
	assert.ErrorIs(t, res.Files[2].WriteErr, ErrReadOnly)
	assert.True(t, res.Files[3].Written, "the files after a failure are still written")
	assert.Equal(t, "SELECT 1.SQL;\n", readString(t, res.Files[0].Path))
	assert.Equal(t, "select 2; -- edited\n", readString(t, res.Files[1].Path))
	assert.Equal(t, "select 3.sql;\n", readString(t, res.Files[2].Path))
	assert.Equal(t, "SELECT 4.SQL;\n", readString(t, res.Files[3].Path))
	assertOnly(t, dir, "1.sql", "2.sql", "3.sql", "4.sql")

	var b strings.Builder
	require.NoError(t, Text(&b, res, ReportOptions{Wrote: true}))
	out := b.String()
	assert.Contains(t, out, "pgsafe fix: 2 files changed, 2 not written, 0 fixes applied\n")
	assert.Contains(t, out, "  wrote "+res.Files[0].Path+"\n")
	assert.Contains(t, out, "  not written "+res.Files[1].Path+": changed since pgsafe read it; run again\n")
	assert.Contains(t, out, "  not written "+res.Files[2].Path+": read-only (mode 0444)")
	assert.Contains(t, out, "  wrote "+res.Files[3].Path+"\n")
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	dir, res := writeSet(t, "1.sql", "2.sql")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, res.Write(ctx), context.Canceled)
	for _, f := range res.Files {
		assert.False(t, f.Written)
		assert.ErrorIs(t, f.WriteErr, errInterrupted)
		assert.Equal(t, f.Original, readString(t, f.Path))
	}
	assertOnly(t, dir, "1.sql", "2.sql")
}

// splitSet returns a Result in which a fix of 1.sql moves a statement
// into a new file, 2.sql.
func splitSet(t *testing.T) (string, *Result) {
	t.Helper()
	dir, res := writeSet(t, "1.sql")
	created := &File{Path: filepath.Join(dir, "2.sql"), Created: true, Fixed: "CREATE INDEX CONCURRENTLY i ON t (c);\n"}
	res.Files = append(res.Files, created)
	res.Applied = []Applied{{Path: res.Files[0].Path, NewFiles: []string{created.Path}}}
	return dir, res
}

func TestWriteKeepsAFixsFilesTogether(t *testing.T) {
	t.Run("the new file is in the way", func(t *testing.T) {
		dir, res := splitSet(t)
		require.NoError(t, os.WriteFile(res.Files[1].Path, []byte("someone else's\n"), 0o644))
		require.Error(t, res.Write(context.Background()))
		assert.False(t, res.Files[0].Written)
		assert.Contains(t, res.Files[0].WriteErr.Error(), "which could not be written")
		assert.ErrorIs(t, res.Files[1].WriteErr, ErrExists)
		assert.Equal(t, res.Files[0].Original, readString(t, res.Files[0].Path))
		assert.Equal(t, "someone else's\n", readString(t, res.Files[1].Path))
		assertOnly(t, dir, "1.sql", "2.sql")
	})

	t.Run("the new file is removed when the old cannot be replaced", func(t *testing.T) {
		dir, res := splitSet(t)
		// An immutable file passes every check before the writes and
		// fails the rename: the new file, written first, goes again.
		path := res.Files[0].Path
		if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
			t.Skipf("chattr +i: %v: %s", err, out)
		}
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
		require.Error(t, res.Write(context.Background()))
		assert.False(t, res.Files[0].Written)
		assert.False(t, res.Files[1].Written)
		assert.Contains(t, res.Files[1].WriteErr.Error(), "which could not be written")
		assert.Equal(t, res.Files[0].Original, readString(t, path))
		assertOnly(t, dir, "1.sql")
	})

	t.Run("both written", func(t *testing.T) {
		dir, res := splitSet(t)
		require.NoError(t, res.Write(context.Background()))
		assert.True(t, res.Files[0].Written)
		assert.True(t, res.Files[1].Written)
		assertOnly(t, dir, "1.sql", "2.sql")
	})
}

func TestWriteCreatesMissingFoldersAndRemovesThemOnFailure(t *testing.T) {
	dir := t.TempDir()
	res := &Result{Files: []*File{
		{Path: filepath.Join(dir, "new", "deeper", "1.sql"), Created: true, Fixed: "x"},
	}}
	require.NoError(t, res.Write(context.Background()))
	assert.Equal(t, "x", readString(t, res.Files[0].Path))

	dir = t.TempDir()
	blocker := filepath.Join(dir, "blocker")
	require.NoError(t, os.WriteFile(blocker, []byte("a file, not a folder"), 0o644))
	res = &Result{Files: []*File{
		{Path: filepath.Join(dir, "new", "1.sql"), Created: true, Fixed: "x"},
		{Path: filepath.Join(blocker, "2.sql"), Created: true, Fixed: "y"},
	}}
	res.Applied = []Applied{{Path: res.Files[0].Path, NewFiles: []string{res.Files[1].Path}}}
	require.Error(t, res.Write(context.Background()))
	assertOnly(t, dir, "blocker")
}

func TestFixKeepsCRLFLineEndings(t *testing.T) {
	all := rules.All()
	opts := lint.Options{Rules: all, Known: all, Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000}}
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	files := []source.File{
		{Path: "goose/00002_order_status.sql", Text: crlf("-- +goose Up\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'pending';\nCREATE INDEX orders_status_idx ON orders (status);\n\n-- +goose Down\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders DROP COLUMN status;\n")},
		{Path: "dbmate/20240101000000_x.sql", Text: crlf("-- migrate:up\nCREATE TABLE a (id int);\nSET lock_timeout = '2s';\nCREATE INDEX i ON orders (status);\n\n-- migrate:down\nDROP TABLE a;\n")},
		{Path: "lf/1.sql", Text: "SET lock_timeout = '2s';\nCREATE INDEX j ON orders (status);\n-- a comment\n"},
	}
	// The lf folder has no tool markers: name its tool, as fix applies
	// no CONCURRENTLY to a folder whose tool it only guessed.
	opts.Tools = []tool.Setting{{Tool: tool.Psql, Source: tool.FromConfig, Pattern: "lf/**", Match: func(p string) bool { return strings.HasPrefix(p, "lf/") }}}
	res, err := Fix(files, opts, Options{})
	require.NoError(t, err)
	created := 0
	for _, f := range res.Files {
		require.True(t, f.Changed(), f.Path)
		if f.Created {
			created++
		}
		if strings.HasPrefix(f.Path, "lf/") {
			assert.NotContains(t, f.Fixed, "\r", f.Path)
			continue
		}
		assert.True(t, isCRLF(f.Fixed), "%s has a line without CRLF: %q", f.Path, f.Fixed)
	}
	assert.Positive(t, created, "the dbmate fix creates a file")
}

func TestToCRLF(t *testing.T) {
	assert.Equal(t, "a\r\nb\r\n", toCRLF("a\r\nb\n"))
	assert.Equal(t, "\r\n", toCRLF("\n"))
	assert.True(t, isCRLF("a\r\nb\r\n"))
	assert.False(t, isCRLF("a\r\nb\n"))
	assert.False(t, isCRLF("no line break"))
}
