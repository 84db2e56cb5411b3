package history

import (
	"path/filepath"
	"strings"
)

// A release window is a run of migrations that reach production together,
// so that code written for the schema before them still runs while they
// apply. Two ways to form windows:
//
//   - by default, each migration is its own window; a migration that a
//     tool splits over numbered files that share a name (popx's
//     20211019000001000000_merge.up.sql, ...000001_merge.up.sql) is one
//     migration;
//   - with --changed-since, the pending migrations (changed since a git
//     ref) form one window, and each earlier migration stays its own.

// windows numbers the window of each file; files with the same number
// are in one window.
func windows(paths []string, pending []bool, release bool) []int {
	out := make([]int, len(paths))
	id, last := 0, ""
	for i, path := range paths {
		if release && pending[i] {
			out[i] = -1 // the release: one window for every pending file
			continue
		}
		group := filepath.Dir(path) + "/" + MigrationName(path)
		if i == 0 || group != last {
			id++
		}
		out[i], last = id, group
	}
	return out
}

// suffixes are the suffixes migration tools put after the name.
var suffixes = []string{".up", ".down", ".autocommit", ".postgres", ".cockroach", ".mysql", ".sqlite", ".sqlite3", ".mssql", ".sql", ".fizz"}

// MigrationName returns the name part of a migration file name, without
// its version prefix and its tool's suffixes:
// "merge_authentication_request_tables" for
// 20211019000001000003_merge_authentication_request_tables.postgres.up.sql.
// A name that is only a version gives the whole base name.
func MigrationName(path string) string {
	base := filepath.Base(path)
	name := trimSuffixes(base)
	name = strings.TrimLeft(trimVersion(name), "_-.")
	if name == "" {
		return base
	}
	return name
}

// trimSuffixes removes the tools' suffixes from the end of name, in any
// case and any number.
func trimSuffixes(name string) string {
	for {
		trimmed := false
		for _, s := range suffixes {
			if len(name) >= len(s) && strings.EqualFold(name[len(name)-len(s):], s) {
				name, trimmed = name[:len(name)-len(s)], true
				break
			}
		}
		if !trimmed {
			return name
		}
	}
}

// trimVersion removes a leading version: a digit and then digits, dots,
// underscores and dashes, after Flyway's V, R or U prefix if any.
func trimVersion(name string) string {
	i := 0
	if i < len(name) && strings.ContainsRune("vruVRU", rune(name[i])) && i+1 < len(name) && isDigit(name[i+1]) {
		i++
	}
	if i >= len(name) || !isDigit(name[i]) {
		return name
	}
	for i < len(name) && (isDigit(name[i]) || name[i] == '.' || name[i] == '_' || name[i] == '-') {
		i++
	}
	return name[i:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// dropWindows returns the windows (numbered as by windows) of which some
// file mentions DROP, in any case, given the files' texts; nil, meaning
// every window, when texts are not given.
func dropWindows(windows []int, texts []string) map[int]bool {
	if texts == nil {
		return nil
	}
	out := map[int]bool{}
	for i, w := range windows {
		if !out[w] && i < len(texts) && mentionsDrop(texts[i]) {
			out[w] = true
		}
	}
	return out
}

// mayDrop reports whether a statement of file i may drop a column or a
// table.
func (h *History) mayDrop(i int) bool {
	return h.dropWindows == nil || h.dropWindows[h.windows[i]]
}

// mentionsDrop reports whether text holds "drop" in any case.
func mentionsDrop(text string) bool {
	for i := 0; i+4 <= len(text); i++ {
		if text[i]|0x20 == 'd' && text[i+1]|0x20 == 'r' && text[i+2]|0x20 == 'o' && text[i+3]|0x20 == 'p' {
			return true
		}
	}
	return false
}
