// Package corpus finds the shared corpus of real-world SQL that pgsafe's
// robustness, acceptance and benchmark tests read, and reads its list of
// files that are known not to parse.
//
// The corpus lives outside the repository, in a folder named shared/corpus
// beside the checkout: /work/shared/corpus for a checkout at /work/main, or
// the parent of a CI clone. A worktree nested deeper finds it by looking
// further up. PGSAFE_CORPUS names another folder.
package corpus

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgsafe/pgsafe/internal/source"
)

// EnvVar names the environment variable that overrides where the corpus is.
const EnvVar = "PGSAFE_CORPUS"

// HydraMigrations is the Hydra migration set, relative to the corpus.
const HydraMigrations = "ory__hydra/persistence/sql/migrations"

// RegressionSuite is the folder of PostgreSQL regression SQL, which is
// parser stress input rather than migrations; the benchmark leaves it out.
const RegressionSuite = "pganalyze__libpg_query"

// ErrNotFound is returned by Find when no corpus folder exists.
var ErrNotFound = errors.New("the shared corpus was not found")

// Find returns the corpus folder for a checkout containing start: the value
// of PGSAFE_CORPUS when getenv returns one, else shared/corpus in the
// parent of the module root (the folder holding go.mod) or in a folder
// above it.
func Find(start string, getenv func(string) string) (string, error) {
	if dir := getenv(EnvVar); dir != "" {
		if isDir(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%s=%s: %w", EnvVar, dir, ErrNotFound)
	}
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", err
	}
	root := abs
	for !isFile(filepath.Join(root, "go.mod")) {
		parent := filepath.Dir(root)
		if parent == root {
			return "", fmt.Errorf("no go.mod above %s: %w", abs, ErrNotFound)
		}
		root = parent
	}
	for dir := filepath.Dir(root); ; dir = filepath.Dir(dir) {
		if c := filepath.Join(dir, "shared", "corpus"); isDir(c) {
			return c, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no shared/corpus beside %s or above it: %w", root, ErrNotFound)
		}
	}
}

// Locate returns the corpus folder for a test running in the current
// directory. When there is none, the test fails if the CI environment
// variable is "true" and is skipped otherwise.
func Locate(t testing.TB) string {
	t.Helper()
	dir, err := Find(".", os.Getenv)
	if err == nil {
		return dir
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v; CI needs it (clone it beside the checkout as ../shared/corpus, or set %s)", err, EnvVar)
	}
	t.Skipf("%v; skipping (set %s, or put it beside the checkout as ../shared/corpus)", err, EnvVar)
	return ""
}

// Files returns the path of every .sql file under dir, relative to dir and
// slash-separated, in lexical order. Folders named in skip (relative to
// dir) are left out.
func Files(dir string, skip ...string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			for _, s := range skip {
				if rel == s {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".sql") {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// Failure is one row of PARSE_FAILURES.tsv.
type Failure struct {
	// Path is relative to the corpus folder, slash-separated.
	Path string
	// Parses reports whether the whole file parses (the column
	// whole_file_parses_pg17): some rows list files whose Go-template
	// placeholders sit only inside quoted bodies, which parse.
	Parses bool
	// Category is "go-template", "go-template-in-body", "pg-regress" or
	// "genuine-syntax-error".
	Category string
	// Detail says why, in words.
	Detail string
}

// Failures reads PARSE_FAILURES.tsv from the corpus folder dir.
func Failures(dir string) ([]Failure, error) {
	path := filepath.Join(dir, "PARSE_FAILURES.tsv")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []Failure
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		if line == 1 || strings.TrimSpace(sc.Text()) == "" {
			continue // the header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 {
			return nil, fmt.Errorf("%s:%d: want at least 3 tab-separated columns, got %d", path, line, len(cols))
		}
		fl := Failure{Path: cols[0], Category: cols[2]}
		switch cols[1] {
		case "yes":
			fl.Parses = true
		case "no":
		default:
			return nil, fmt.Errorf("%s:%d: whole_file_parses_pg17 is %q, want yes or no", path, line, cols[1])
		}
		if len(cols) > 3 {
			fl.Detail = cols[3]
		}
		out = append(out, fl)
	}
	return out, sc.Err()
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

func isFile(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir()
}

// Names returns the base name of every file of the shared corpus, for
// tests of file-name matchers; it skips the test when the corpus is not
// found.
func Names(tb testing.TB) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(Locate(tb), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, d.Name())
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkInput loads what .ci/bench.sh lints: every .sql file of the
// shared corpus except the PostgreSQL regression suite, in lexical order.
// It skips the test when the corpus is not found.
func BenchmarkInput(tb testing.TB) []source.File {
	tb.Helper()
	dir := Locate(tb)
	paths, err := Files(dir, RegressionSuite)
	if err != nil {
		tb.Fatal(err)
	}
	for i, p := range paths {
		paths[i] = filepath.Join(dir, filepath.FromSlash(p))
	}
	files, errs := source.Load(paths, source.Options{})
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	return files
}
