package lsp

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// uriToPath returns the cleaned absolute path of a file: URI.
func uriToPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("bad document URI %q: %w", uri, err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("document URI %q: pgsafe reads only file: URIs", uri)
	}
	path := u.Path
	// file:///C:/x on Windows.
	if len(path) >= 3 && path[0] == '/' && path[2] == ':' {
		path = path[1:]
	}
	return filepath.Clean(filepath.FromSlash(path)), nil
}

// pathToURI returns the file: URI of an absolute path.
func pathToURI(path string) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// readFile returns the text of the file at path.
func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}
