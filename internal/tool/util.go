package tool

import (
	"os"
	"path/filepath"
	"strings"
)

// baseName returns the last element of path.
func baseName(path string) string { return filepath.Base(path) }

// cutSuffixFold cuts suffix from s, ignoring ASCII case.
func cutSuffixFold(s, suffix string) (string, bool) {
	if len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// firstLine returns the first line of text, without its line break.
func firstLine(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	return strings.TrimRight(line, "\r")
}

// readFileOS reads a file from disk.
func readFileOS(path string) ([]byte, error) { return os.ReadFile(path) }
