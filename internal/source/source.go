// Package source turns the paths, folders, globs and stdin that a user
// names into an ordered list of files with their contents.
package source

import (
	"context"
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
	// MaxFileSize is the size in bytes above which an input, stdin
	// included, is refused rather than read; 0 means DefaultMaxFileSize.
	MaxFileSize int64
	// OnRead, when set, is called with each input's path (StdinName for
	// stdin) just before it is opened, from several goroutines at once.
	OnRead func(path string)
	// Ext is the ending of the names of the files that a folder's walk
	// reads, compared without regard to case; "" means ".sql".
	Ext string
	// SkipFound holds doublestar globs of base names, such as
	// "*_test.go": a file that a folder's walk or a glob finds is skipped
	// when its name matches one. A file named explicitly is read whatever
	// its name.
	SkipFound []string
}

// Load reads every input. Folders are walked recursively for *.sql files
// (opts.Ext);
// files under each folder come in migration order (see Less). Inputs
// named explicitly keep the order the user gave. Problems with single
// inputs come back as *Error values, and loading goes on: a path that
// does not exist, a folder that cannot be read (the rest of the walk goes
// on), a file that is not a regular file (a named pipe, a device, a
// socket), one larger than the size limit, or one that is not UTF-8 text.
//
// A file found under a folder or by a glob that is a symlink leading out
// of the repository that holds the folder (the nearest folder above it
// with a .git entry), or out of the folder itself outside a repository,
// is refused without being read: a hostile repository could otherwise
// have pgsafe print the lines of a file elsewhere on the machine. A file
// named on the command line is read wherever it leads.
//
// The files are read in parallel: with many small files, the system
// calls take most of the time.
func Load(inputs []string, opts Options) ([]File, []error) {
	files, errs, _ := LoadContext(context.Background(), inputs, opts)
	return files, errs
}

// LoadContext is Load that stops reading when ctx is done, and then
// returns ctx's error as its third result; the files and errors are then
// incomplete.
func LoadContext(ctx context.Context, inputs []string, opts Options) ([]File, []error, error) {
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
	// addFound adds a file found under a folder or by a glob, unless its
	// name is one to skip or it leads out of the scope.
	addFound := func(path string, sc *scope) {
		clean := filepath.Clean(path)
		if seen[clean] || excluded(path, opts.Exclude) || skipped(path, opts.SkipFound) {
			return
		}
		if sc != nil {
			if err := sc.check(path); err != nil {
				seen[clean] = true
				out = append(out, result{err: &Error{Path: path, Err: err}})
				return
			}
		}
		add(path)
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
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if in == "-" {
			f, err := readStdin(ctx, opts)
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			out = append(out, result{file: f, err: err})
			continue
		}
		info, err := infos[i], statErrs[i]
		switch {
		case err == nil && info.IsDir():
			found, werrs, err := walk(ctx, in, opts.Exclude, opts.Ext)
			if err != nil {
				return nil, nil, err
			}
			for _, werr := range werrs {
				fail(werr)
			}
			sc := newScope(in)
			for _, p := range found {
				if p.link {
					addFound(p.path, sc)
				} else {
					addFound(p.path, nil)
				}
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
			base, _ := doublestar.SplitPattern(filepath.ToSlash(in))
			sc := newScope(filepath.FromSlash(base))
			for _, p := range matches {
				addFound(p, sc)
			}
		default:
			fail(&Error{Path: in, Err: describe(err)})
		}
	}

	forEach(len(out), func(i int) {
		if out[i].path != "" && ctx.Err() == nil {
			out[i].file, out[i].err = readFile(ctx, out[i].path, opts)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var files []File
	var errs []error
	for _, r := range out {
		if r.err != nil {
			errs = append(errs, r.err)
		} else {
			files = append(files, r.file)
		}
	}
	return files, errs, nil
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

// found is a file that a folder's walk found.
type found struct {
	path string
	link bool // a symlink, to be checked against the folder's scope
}

// walk lists the files under root whose names end in ext (".sql" when
// empty) in migration order. A folder
// under root that cannot be read comes back as an *Error naming it, and
// the walk goes on with the rest; root itself unreadable is an error too.
// The last result is ctx's error when ctx is done during the walk.
func walk(ctx context.Context, root string, exclude []string, ext string) ([]found, []error, error) {
	if ext == "" {
		ext = ".sql"
	}
	ext = strings.ToLower(ext)
	var out []found
	var errs []error
	start := root
	if info, err := os.Lstat(root); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a symlink, not even at the root: with
		// a trailing separator, the root is the folder it leads to, and
		// the paths under it are still named through the link.
		start = root + string(filepath.Separator)
	}
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			// A folder that cannot be listed, or an entry that vanished
			// since its folder was listed: name it and go on.
			what := describe(err)
			if d != nil && d.IsDir() {
				what = fmt.Errorf("%w: the files in this folder are not read", what)
			}
			errs = append(errs, &Error{Path: p, Err: what})
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != start && excluded(p, exclude) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(strings.ToLower(d.Name()), ext) {
			out = append(out, found{path: p, link: d.Type()&fs.ModeSymlink != 0})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return Less(out[i].path, out[j].path) })
	return out, errs, nil
}

// skipped reports whether the base name of path matches one of patterns.
func skipped(path string, patterns []string) bool {
	for _, pat := range patterns {
		if ok, _ := doublestar.Match(pat, filepath.Base(path)); ok {
			return true
		}
	}
	return false
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
