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
)

// stdImporter returns an importer of the standard library's packages that
// files import, from their compiled export data, as importer.Default does,
// but asking the go command for all of them (and what they depend on) at
// once: importer.Default runs `go list` once for each package, which costs
// far more than the type-checking. Packages outside the standard library
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
	exports := map[string]string{}
	if len(paths) > 0 {
		args := append([]string{"list", "-e", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, paths...)
		cmd := exec.Command("go", args...)
		// Outside any module, with the local toolchain and no GOFLAGS:
		// the standard library does not depend on where pgsafe runs, and
		// a go.mod there must not make the go command fetch a toolchain.
		cmd.Dir = os.TempDir()
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off")
		out, err := cmd.Output()
		if err == nil {
			exports = parseExports(out)
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
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
