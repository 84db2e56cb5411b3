// Package source turns the paths, folders, globs and stdin that a user
// names into an ordered list of files with their contents.
package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// File is one input file.
type File struct {
	Path string // as the user named it, or found under a folder they named
	Text string
}

// Error is a problem with one input; the others are still read.
type Error struct {
	Path string
	Err  error
}

// Error implements error.
func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Options say how to read inputs.
type Options struct {
	// Exclude holds doublestar globs; a file whose path or base name
	// matches one is skipped.
	Exclude []string
	// Stdin is read for the path "-".
	Stdin io.Reader
	// StdinName is the file name reported for stdin, "<stdin>" when empty.
	StdinName string
}

// Load reads every input. Folders are walked recursively for *.sql files;
// files under each folder come in migration order (see Less). Inputs
// named explicitly keep the order the user gave. Problems with single
// inputs come back as *Error values, and loading goes on.
//
// The files are read in parallel: with many small files, the system
// calls take most of the time.
func Load(inputs []string, opts Options) ([]File, []error) {
	// Each result is a file to read, a file read (stdin) or an error, in
	// the order they are reported.
	type result struct {
		path string
		file File
		err  error
	}
	var out []result
	seen := map[string]bool{}
	add := func(path string) {
		clean := filepath.Clean(path)
		if seen[clean] || excluded(path, opts.Exclude) {
			return
		}
		seen[clean] = true
		out = append(out, result{path: path})
	}
	fail := func(err error) { out = append(out, result{err: err}) }

	infos := make([]fs.FileInfo, len(inputs))
	statErrs := make([]error, len(inputs))
	forEach(len(inputs), func(i int) {
		if inputs[i] != "-" {
			infos[i], statErrs[i] = os.Stat(inputs[i])
		}
	})
	for i, in := range inputs {
		if in == "-" {
			f, err := readStdin(opts)
			out = append(out, result{file: f, err: err})
			continue
		}
		info, err := infos[i], statErrs[i]
		switch {
		case err == nil && info.IsDir():
			paths, werr := walk(in, opts.Exclude)
			if werr != nil {
				fail(&Error{Path: in, Err: werr})
			}
			for _, p := range paths {
				add(p)
			}
		case err == nil:
			add(in)
		case hasMeta(in):
			matches, gerr := doublestar.FilepathGlob(in, doublestar.WithFilesOnly())
			if gerr != nil {
				fail(&Error{Path: in, Err: fmt.Errorf("bad glob pattern: %w", gerr)})
				continue
			}
			if len(matches) == 0 {
				fail(&Error{Path: in, Err: errors.New("no files match this pattern")})
				continue
			}
			SortPaths(matches)
			for _, p := range matches {
				add(p)
			}
		default:
			fail(&Error{Path: in, Err: describe(err)})
		}
	}

	forEach(len(out), func(i int) {
		if out[i].path != "" {
			out[i].file, out[i].err = readFile(out[i].path)
		}
	})
	var files []File
	var errs []error
	for _, r := range out {
		if r.err != nil {
			errs = append(errs, r.err)
		} else {
			files = append(files, r.file)
		}
	}
	return files, errs
}

// forEach calls fn(0..n-1) on one goroutine per CPU.
func forEach(n int, fn func(int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n {
		workers = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[{") }

func excluded(path string, patterns []string) bool {
	slash := filepath.ToSlash(path)
	for _, pat := range patterns {
		if ok, _ := doublestar.Match(pat, slash); ok {
			return true
		}
		if ok, _ := doublestar.Match(pat, filepath.Base(path)); ok {
			return true
		}
		if ok, _ := doublestar.Match(strings.TrimSuffix(pat, "/")+"/**", slash); ok {
			return true
		}
	}
	return false
}

// walk lists the *.sql files under root in migration order.
func walk(root string, exclude []string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && excluded(p, exclude) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(strings.ToLower(d.Name()), ".sql") {
			paths = append(paths, p)
		}
		return nil
	})
	SortPaths(paths)
	return paths, err
}

func readFile(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, &Error{Path: path, Err: describe(err)}
	}
	if err := checkText(b); err != nil {
		return File{}, &Error{Path: path, Err: err}
	}
	return File{Path: path, Text: string(b)}, nil
}

func readStdin(opts Options) (File, error) {
	name := opts.StdinName
	if name == "" {
		name = "<stdin>"
	}
	if opts.Stdin == nil {
		return File{}, &Error{Path: name, Err: errors.New("no standard input")}
	}
	b, err := io.ReadAll(opts.Stdin)
	if err != nil {
		return File{}, &Error{Path: name, Err: err}
	}
	if err := checkText(b); err != nil {
		return File{}, &Error{Path: name, Err: err}
	}
	return File{Path: name, Text: string(b)}, nil
}

// checkText rejects binary and non-UTF-8 content, naming where it starts.
func checkText(b []byte) error {
	if utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 {
		return nil
	}
	line, col := 1, 1
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == 0:
			return fmt.Errorf("binary file (NUL byte at line %d, column %d); pgsafe reads SQL text", line, col)
		case r == utf8.RuneError && size <= 1:
			return fmt.Errorf("not valid UTF-8 (byte 0x%02x at line %d, column %d); save the file as UTF-8", b[i], line, col)
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		i += size
	}
	return nil
}

func describe(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file or directory")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied")
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
}

// SortPaths sorts paths into migration order, in place.
func SortPaths(paths []string) {
	sort.SliceStable(paths, func(i, j int) bool { return Less(paths[i], paths[j]) })
}
