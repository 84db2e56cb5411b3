package gocode

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// stdImporter returns an importer of the standard library's packages that
// files import, from their compiled export data, as importer.Default does,
// but asking the go command for all of them (and what they depend on) at
// once: importer.Default runs `go list` once for each package, which costs
// far more than the type-checking. Where the export data is, is asked once
// per process (stdExports): a process that extracts again and again (the
// language server, on each edit of a Go buffer) runs the go command only
// for imports it has not seen. Packages outside the standard library
// are not imported (the export data of modules is not where the gc
// importer looks); without a go command, nothing is.
func stdImporter(fset *token.FileSet, files []*ast.File) types.Importer {
	seen := map[string]bool{}
	for _, f := range files {
		if f == nil {
			continue
		}
		for _, s := range f.Imports {
			path, err := strconv.Unquote(s.Path.Value)
			if err == nil && isStd(path) {
				seen[path] = true
			}
		}
	}
	paths := make([]string, 0, len(seen))
	for p := range seen {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	exports := stdExports.lookup(paths)
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
}

// stdExports remembers where the export data of the standard library's
// packages is, as the go command said, for the life of the process.
var stdExports = &exportCache{files: map[string]string{}, asked: map[string]bool{}}

// exportCache is the export data files of standard library packages by
// import path, and the paths the go command was asked about.
type exportCache struct {
	mu    sync.Mutex
	files map[string]string
	asked map[string]bool
}

// lookup returns the export data files of paths and of the packages they
// depend on, asking the go command about the paths it was not asked
// about before.
func (c *exportCache) lookup(paths []string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var missing []string
	for _, p := range paths {
		if !c.asked[p] {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		for path, file := range goListExports(missing) {
			c.files[path] = file
		}
		for _, p := range missing {
			c.asked[p] = true
		}
	}
	out := make(map[string]string, len(c.files))
	for path, file := range c.files {
		out[path] = file
	}
	return out
}

// goListExports asks the go command where the export data of paths, and
// of what they depend on, is; nil when it cannot say.
func goListExports(paths []string) map[string]string {
	args := append([]string{"list", "-e", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, paths...)
	cmd := exec.Command("go", args...)
	// Outside any module, with the local toolchain and no GOFLAGS:
	// the standard library does not depend on where pgsafe runs, and
	// a go.mod there must not make the go command fetch a toolchain.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	return parseExports(out)
}

// parseExports reads `go list` lines of import path and export file.
func parseExports(out []byte) map[string]string {
	exports := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, file, ok := strings.Cut(sc.Text(), "\t")
		if ok && file != "" {
			exports[path] = file
		}
	}
	return exports
}

// isStd reports whether an import path is of the standard library: its
// first element has no dot.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".") && path != "C"
}
