package tool

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Index answers which files exist, on disk or in the run (files that
// fixes created in memory), and which versions each folder holds. It
// reads each folder once and is safe for concurrent use.
type Index struct {
	mu    sync.Mutex
	known map[string][]string // folder -> base names of the run's files
	dirs  map[string]*folder
}

type folder struct {
	names    []string
	present  map[string]bool
	versions map[string][]string // by scheme key
	suffixes map[string]bool     // HasSuffix's answers, by suffix
}

// NewIndex returns an index over the run's files, given by path.
func NewIndex(paths []string) *Index {
	x := &Index{known: map[string][]string{}, dirs: map[string]*folder{}}
	for _, p := range paths {
		d := filepath.Dir(p)
		x.known[d] = append(x.known[d], filepath.Base(p))
	}
	return x
}

// folder returns the cached listing of dir; x.mu must be held.
func (x *Index) folder(dir string) *folder {
	if f := x.dirs[dir]; f != nil {
		return f
	}
	f := &folder{present: map[string]bool{}, versions: map[string][]string{}, suffixes: map[string]bool{}}
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			f.add(e.Name())
		}
	}
	for _, name := range x.known[dir] {
		f.add(name)
	}
	x.dirs[dir] = f
	return f
}

func (f *folder) add(name string) {
	if !f.present[name] {
		f.present[name] = true
		f.names = append(f.names, name)
	}
}

// Exists reports whether a file or folder exists at path, on disk or in
// the run.
func (x *Index) Exists(path string) bool {
	if x == nil {
		_, err := os.Stat(path)
		return err == nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.folder(filepath.Dir(path)).present[filepath.Base(path)]
}

// HasSuffix reports whether an entry of dir, on disk or in the run, has a
// name ending in suffix. The answer is kept: detection asks it for every
// file of a folder.
func (x *Index) HasSuffix(dir, suffix string) bool {
	if x == nil {
		x = NewIndex(nil)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	f := x.folder(dir)
	if found, ok := f.suffixes[suffix]; ok {
		return found
	}
	found := slices.ContainsFunc(f.names, func(name string) bool { return strings.HasSuffix(name, suffix) })
	f.suffixes[suffix] = found
	return found
}

// Versions returns the versions that version reads from the names in dir,
// sorted as strings; key names the scheme in the cache.
func (x *Index) Versions(dir, key string, version func(base string) (string, bool)) []string {
	if x == nil {
		x = NewIndex(nil)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	f := x.folder(dir)
	if v, ok := f.versions[key]; ok {
		return v
	}
	var v []string
	for _, n := range f.names {
		if ver, ok := version(n); ok {
			v = append(v, ver)
		}
	}
	slices.Sort(v)
	v = slices.Compact(v)
	f.versions[key] = v
	return v
}
