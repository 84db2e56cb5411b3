package source_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/source"
)

// tree writes files (slash-separated paths relative to a new temporary
// folder, mapped to their contents) and makes that folder the working
// directory, so that paths read as a user would type them.
func tree(t *testing.T, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	t.Chdir(dir)
}

func paths(files []source.File) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = filepath.ToSlash(f.Path)
	}
	return out
}

// errorPaths returns the file each error names, requiring *source.Error.
func errorPaths(t *testing.T, errs []error) []string {
	t.Helper()
	var out []string
	for _, err := range errs {
		var se *source.Error
		require.True(t, errors.As(err, &se), "error %v is not a *source.Error", err)
		assert.True(t, strings.HasPrefix(err.Error(), se.Path+": "), "message %q does not start with the file", err)
		out = append(out, filepath.ToSlash(se.Path))
	}
	return out
}

func TestLoadFolderInMigrationOrder(t *testing.T) {
	tree(t, map[string]string{
		"db/10_c.sql":        "SELECT 10;",
		"db/2_b.sql":         "SELECT 2;",
		"db/1_a.SQL":         "SELECT 1;",
		"db/README.md":       "not sql",
		"db/notes.txt":       "not sql",
		"db/sub/v1.13/x.sql": "SELECT 113;",
		"db/sub/v1.9/x.sql":  "SELECT 19;",
		"db/sub/v1.9/y.sql":  "SELECT 19;",
	})
	files, errs := source.Load([]string{"db"}, source.Options{})
	require.Empty(t, errs)
	assert.Equal(t, []string{
		"db/1_a.SQL", "db/2_b.sql", "db/10_c.sql",
		"db/sub/v1.9/x.sql", "db/sub/v1.9/y.sql", "db/sub/v1.13/x.sql",
	}, paths(files))
	assert.Equal(t, "SELECT 1;", files[0].Text)
}

func TestLoadExplicitFilesKeepTheirOrder(t *testing.T) {
	tree(t, map[string]string{"b.sql": "SELECT 2;", "a.sql": "SELECT 1;", "c.txt": "SELECT 3;"})
	files, errs := source.Load([]string{"b.sql", "a.sql", "c.txt", "./b.sql"}, source.Options{})
	require.Empty(t, errs)
	// A file named explicitly is read whatever its extension, and only once.
	assert.Equal(t, []string{"b.sql", "a.sql", "c.txt"}, paths(files))
}

// TestLoadGoCode checks the options that read Go code: a folder's walk
// finds the files with opts.Ext, and SkipFound leaves out the files that a
// walk or a glob finds with a matching name, but not those named
// explicitly.
func TestLoadGoCode(t *testing.T) {
	tree(t, map[string]string{
		"svc/store.go":            "package store",
		"svc/store_test.go":       "package store",
		"svc/schema.sql":          "SELECT 1;",
		"svc/internal/clients.go": "package internal",
		"svc/README.md":           "not go",
	})
	opts := source.Options{Ext: ".go", SkipFound: []string{"*_test.go"}}
	cases := []struct {
		name   string
		inputs []string
		want   []string
	}{
		{"folder", []string{"svc"}, []string{"svc/store.go", "svc/internal/clients.go"}},
		{"glob", []string{"svc/**/*.go"}, []string{"svc/store.go", "svc/internal/clients.go"}},
		{"test file named explicitly", []string{"svc/store_test.go"}, []string{"svc/store_test.go"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files, errs := source.Load(tc.inputs, opts)
			require.Empty(t, errs)
			assert.Equal(t, tc.want, paths(files))
		})
	}
	t.Run("without the options a folder gives its SQL", func(t *testing.T) {
		files, errs := source.Load([]string{"svc"}, source.Options{})
		require.Empty(t, errs)
		assert.Equal(t, []string{"svc/schema.sql"}, paths(files))
	})
}

func TestLoadGlobs(t *testing.T) {
	tree(t, map[string]string{
		"m/10_b.sql":             "SELECT 1;",
		"m/9_a.sql":              "SELECT 1;",
		"m/x.txt":                "SELECT 1;",
		"m/deep/er/2_c.sql":      "SELECT 1;",
		"m/deep/1_d.sql":         "SELECT 1;",
		"other/1_e.sql":          "SELECT 1;",
		"m/deep/er/folder.sql/z": "a folder named like a file",
	})
	cases := []struct {
		pattern string
		want    []string
	}{
		{"m/*.sql", []string{"m/9_a.sql", "m/10_b.sql"}},
		{"m/**/*.sql", []string{"m/9_a.sql", "m/10_b.sql", "m/deep/1_d.sql", "m/deep/er/2_c.sql"}},
		{"**/1_*.sql", []string{"m/deep/1_d.sql", "other/1_e.sql"}},
		{"m/{9,10}_*.sql", []string{"m/9_a.sql", "m/10_b.sql"}},
		{"m/?_a.sql", []string{"m/9_a.sql"}},
	}
	for _, tc := range cases {
		t.Run(tc.pattern, func(t *testing.T) {
			files, errs := source.Load([]string{tc.pattern}, source.Options{})
			require.Empty(t, errs)
			assert.Equal(t, tc.want, paths(files))
		})
	}

	t.Run("no match", func(t *testing.T) {
		files, errs := source.Load([]string{"m/*.nothing", "m/9_a.sql"}, source.Options{})
		assert.Equal(t, []string{"m/*.nothing"}, errorPaths(t, errs))
		assert.Contains(t, errs[0].Error(), "no files match")
		assert.Equal(t, []string{"m/9_a.sql"}, paths(files))
	})
	t.Run("bad pattern", func(t *testing.T) {
		files, errs := source.Load([]string{"m/[.sql", "m/9_a.sql"}, source.Options{})
		assert.Equal(t, []string{"m/[.sql"}, errorPaths(t, errs))
		assert.Equal(t, []string{"m/9_a.sql"}, paths(files))
	})
}

func TestLoadExclude(t *testing.T) {
	tree(t, map[string]string{
		"m/1_a.up.sql":          "SELECT 1;",
		"m/1_a.down.sql":        "SELECT 1;",
		"m/2_b.up.sql":          "SELECT 1;",
		"m/legacy/1_old.sql":    "SELECT 1;",
		"m/legacy/v2/2_old.sql": "SELECT 1;",
		"m/seed/data.sql":       "SELECT 1;",
		"m/nested/seed/x.sql":   "SELECT 1;",
	})
	cases := []struct {
		name    string
		inputs  []string
		exclude []string
		want    []string
	}{
		{"base name glob", []string{"m"}, []string{"*.down.sql"}, []string{
			"m/1_a.up.sql", "m/2_b.up.sql", "m/legacy/1_old.sql", "m/legacy/v2/2_old.sql", "m/nested/seed/x.sql", "m/seed/data.sql",
		}},
		{"folder by path", []string{"m"}, []string{"m/legacy"}, []string{
			"m/1_a.down.sql", "m/1_a.up.sql", "m/2_b.up.sql", "m/nested/seed/x.sql", "m/seed/data.sql",
		}},
		{"folder by path with a trailing slash", []string{"m"}, []string{"m/legacy/"}, []string{
			"m/1_a.down.sql", "m/1_a.up.sql", "m/2_b.up.sql", "m/nested/seed/x.sql", "m/seed/data.sql",
		}},
		{"folder by name, at any depth", []string{"m"}, []string{"seed"}, []string{
			"m/1_a.down.sql", "m/1_a.up.sql", "m/2_b.up.sql", "m/legacy/1_old.sql", "m/legacy/v2/2_old.sql",
		}},
		{"doublestar over a folder's contents", []string{"m"}, []string{"**/legacy/**"}, []string{
			"m/1_a.down.sql", "m/1_a.up.sql", "m/2_b.up.sql", "m/nested/seed/x.sql", "m/seed/data.sql",
		}},
		{"several patterns", []string{"m"}, []string{"*.down.sql", "m/legacy", "seed"}, []string{
			"m/1_a.up.sql", "m/2_b.up.sql",
		}},
		{"explicit file", []string{"m/1_a.up.sql", "m/1_a.down.sql"}, []string{"m/1_a.down.sql"}, []string{
			"m/1_a.up.sql",
		}},
		{"glob input", []string{"m/**/*.sql"}, []string{"m/legacy", "*.down.sql"}, []string{
			"m/1_a.up.sql", "m/2_b.up.sql", "m/nested/seed/x.sql", "m/seed/data.sql",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files, errs := source.Load(tc.inputs, source.Options{Exclude: tc.exclude})
			require.Empty(t, errs)
			assert.Equal(t, tc.want, paths(files))
		})
	}
}

func TestLoadErrorsNameTheFileAndOthersStillLoad(t *testing.T) {
	tree(t, map[string]string{
		"m/1_good.sql":       "SELECT 1;",
		"m/2_binary.sql":     "SELECT 1;\n\x00\x01\x02",
		"m/3_latin1.sql":     "SELECT 1;\nSELECT 'caf\xe9';",
		"m/4_good.sql":       "SELECT 'café';",
		"m/5_unreadable.sql": "SELECT 5;",
	})
	unreadable := filepath.Join("m", "5_unreadable.sql")
	require.NoError(t, os.Chmod(unreadable, 0))
	t.Cleanup(func() { _ = os.Chmod(unreadable, 0o644) })
	_, probe := os.ReadFile(unreadable)
	canDeny := probe != nil // false when running as root, where mode 000 does not stop reads

	files, errs := source.Load([]string{"m", "missing.sql", "missing/dir"}, source.Options{})

	wantFiles := []string{"m/1_good.sql", "m/4_good.sql"}
	wantErrs := []string{"m/2_binary.sql", "m/3_latin1.sql", "m/5_unreadable.sql", "missing.sql", "missing/dir"}
	if !canDeny {
		wantFiles = append(wantFiles, "m/5_unreadable.sql")
		wantErrs = []string{"m/2_binary.sql", "m/3_latin1.sql", "missing.sql", "missing/dir"}
	}
	assert.Equal(t, wantFiles, paths(files))
	require.Equal(t, wantErrs, errorPaths(t, errs))

	msg := map[string]string{}
	for i, p := range wantErrs {
		msg[p] = errs[i].Error()
	}
	assert.Contains(t, msg["m/2_binary.sql"], "binary file (NUL byte at line 2, column 1)")
	assert.Contains(t, msg["m/3_latin1.sql"], "not valid UTF-8 (byte 0xe9 at line 2, column 12)")
	assert.Contains(t, msg["missing.sql"], "no such file or directory")
	assert.Contains(t, msg["missing/dir"], "no such file or directory")

	t.Run("unreadable file", func(t *testing.T) {
		if !canDeny {
			t.Skip("running as root: mode 000 does not stop reads, so an unreadable file cannot be made here")
		}
		assert.Contains(t, msg["m/5_unreadable.sql"], "permission denied")
	})
}

func TestLoadStdin(t *testing.T) {
	files, errs := source.Load([]string{"-"}, source.Options{Stdin: strings.NewReader("SELECT 1;"), StdinName: "migrations/1_a.up.sql"})
	require.Empty(t, errs)
	require.Len(t, files, 1)
	assert.Equal(t, source.File{Path: "migrations/1_a.up.sql", Text: "SELECT 1;"}, files[0])

	files, errs = source.Load([]string{"-"}, source.Options{Stdin: strings.NewReader("SELECT 1;")})
	require.Empty(t, errs)
	assert.Equal(t, "<stdin>", files[0].Path)

	_, errs = source.Load([]string{"-"}, source.Options{Stdin: strings.NewReader("\xff\xfe")})
	assert.Equal(t, []string{"<stdin>"}, errorPaths(t, errs))
	assert.Contains(t, errs[0].Error(), "not valid UTF-8")

	_, errs = source.Load([]string{"-"}, source.Options{})
	assert.Equal(t, []string{"<stdin>"}, errorPaths(t, errs))
}

func TestLoadSizeLimit(t *testing.T) {
	tree(t, map[string]string{
		"m/1_small.sql": "SELECT 1;",
		"m/2_large.sql": "SELECT 1;\n" + strings.Repeat("-- padding\n", 200),
	})
	opts := source.Options{MaxFileSize: 1 << 10, Stdin: strings.NewReader(strings.Repeat("SELECT 1;\n", 200))}
	files, errs := source.Load([]string{"m", "-"}, opts)
	assert.Equal(t, []string{"m/1_small.sql"}, paths(files))
	require.Equal(t, []string{"m/2_large.sql", "<stdin>"}, errorPaths(t, errs))
	for _, err := range errs {
		assert.Contains(t, err.Error(), "larger than 1 KiB, the limit on an input (--max-file-size)")
	}

	files, errs = source.Load([]string{"m", "-"}, source.Options{Stdin: strings.NewReader("SELECT 3;")})
	require.Empty(t, errs)
	assert.Equal(t, []string{"m/1_small.sql", "m/2_large.sql", "<stdin>"}, paths(files))
}

func TestParseAndFormatSize(t *testing.T) {
	for in, want := range map[string]int64{"64MiB": 64 << 20, "512 kib": 512 << 10, "1GiB": 1 << 30, "1000": 1000, "10B": 10} {
		got, err := source.ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "0", "-1MiB", "1.5MiB", "64MB", "MiB", "lots"} {
		_, err := source.ParseSize(in)
		assert.Error(t, err, in)
	}
	assert.Equal(t, "64 MiB", source.FormatSize(64<<20))
	assert.Equal(t, "1536 KiB", source.FormatSize(1536<<10))
	assert.Equal(t, "1000 bytes", source.FormatSize(1000))
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	tree(t, map[string]string{"m/1.sql": "SELECT 1;"})
	// A pipe whose writer never writes: only cancellation ends the read.
	r, w := io.Pipe()
	defer func() { _ = w.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	reading := make(chan struct{})
	var once sync.Once
	opts := source.Options{Stdin: r, OnRead: func(p string) {
		if p == "<stdin>" {
			once.Do(func() { close(reading) })
		}
	}}
	go func() {
		<-reading
		cancel()
	}()
	files, errs, err := source.LoadContext(ctx, []string{"m", "-"}, opts)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, files)
	assert.Empty(t, errs)
}

// repoTree builds, under a new temporary folder made the working
// directory, a repository with migrations, two of them symlinks: one to
// a file elsewhere in the repository, one to a file outside it.
func repoTree(t *testing.T) {
	t.Helper()
	tree(t, map[string]string{
		"home/.pgpass":          "db:5432:*:app:hunter2\n",
		"repo/.git/HEAD":        "ref: refs/heads/main\n",
		"repo/db/1_a.sql":       "SELECT 1;",
		"repo/shared/2_b.sql":   "SELECT 2;",
		"plain/db/1_a.sql":      "SELECT 1;",
		"plain/elsewhere/x.sql": "SELECT 'x';",
	})
	require.NoError(t, os.Symlink(filepath.Join("..", "shared", "2_b.sql"), filepath.Join("repo", "db", "2_b.sql")))
	require.NoError(t, os.Symlink(filepath.Join("..", "..", "home", ".pgpass"), filepath.Join("repo", "db", "3_c.sql")))
	require.NoError(t, os.Symlink(filepath.Join("..", "elsewhere", "x.sql"), filepath.Join("plain", "db", "2_x.sql")))
}

func TestLoadRefusesSymlinksOutOfTheRepository(t *testing.T) {
	repoTree(t)
	wd, err := os.Getwd()
	require.NoError(t, err)
	wd, err = filepath.EvalSymlinks(wd)
	require.NoError(t, err)

	for _, in := range []string{"repo/db", "repo/db/*.sql", "repo/**/*.sql"} {
		t.Run(in, func(t *testing.T) {
			files, errs := source.Load([]string{filepath.FromSlash(in)}, source.Options{})
			got := paths(files)
			assert.Contains(t, got, "repo/db/1_a.sql")
			assert.Contains(t, got, "repo/db/2_b.sql", "a symlink within the repository is followed")
			assert.NotContains(t, got, "repo/db/3_c.sql")
			for _, f := range files {
				assert.NotContains(t, f.Text, "hunter2")
			}
			require.Equal(t, []string{"repo/db/3_c.sql"}, errorPaths(t, errs))
			msg := errs[0].Error()
			assert.Contains(t, msg, "a symlink to "+filepath.Join("..", "..", "home", ".pgpass"))
			assert.Contains(t, msg, filepath.Join(wd, "home", ".pgpass"))
			assert.Contains(t, msg, "outside the repository "+filepath.Join(wd, "repo"))
			assert.Contains(t, msg, "name the file on the command line to read it anyway")
			assert.NotContains(t, msg, "hunter2")
		})
	}

	t.Run("named explicitly", func(t *testing.T) {
		files, errs := source.Load([]string{filepath.Join("repo", "db", "3_c.sql")}, source.Options{})
		require.Empty(t, errs)
		require.Len(t, files, 1)
		assert.Contains(t, files[0].Text, "hunter2")
	})

	t.Run("outside a repository", func(t *testing.T) {
		files, errs := source.Load([]string{filepath.Join("plain", "db")}, source.Options{})
		assert.Equal(t, []string{"plain/db/1_a.sql"}, paths(files))
		require.Equal(t, []string{"plain/db/2_x.sql"}, errorPaths(t, errs))
		assert.Contains(t, errs[0].Error(), "outside "+filepath.Join("plain", "db")+", the folder named")

		files, errs = source.Load([]string{"plain"}, source.Options{})
		require.Empty(t, errs, "the link stays inside the folder named")
		assert.Contains(t, paths(files), "plain/db/2_x.sql")
	})
}

func TestLoadFolderNamedThroughASymlink(t *testing.T) {
	tree(t, map[string]string{"real/1_a.sql": "SELECT 1;", "real/sub/2_b.sql": "SELECT 2;"})
	require.NoError(t, os.Symlink("real", "db"))
	files, errs := source.Load([]string{"db"}, source.Options{})
	require.Empty(t, errs)
	assert.Equal(t, []string{"db/1_a.sql", "db/sub/2_b.sql"}, paths(files))
}
