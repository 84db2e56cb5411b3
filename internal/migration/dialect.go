package migration

import (
	"path/filepath"
	"regexp"
)

var reVersioned = regexp.MustCompile(`^(\d+_[^.]+)\.(?:(postgres|cockroach|mysql|sqlite3|mssql)\.)?((?:autocommit\.)?(?:up|down))\.(?:sql|fizz)$`)

// OtherDialects returns, for popx and pop style folders, the paths that
// PostgreSQL never runs, with the reason: files for another database
// ("x.mysql.up.sql"), and dialect-less files that a ".postgres." file of
// the same version replaces.
func OtherDialects(paths []string) map[string]string {
	type key struct{ dir, stem, dir2 string }
	hasPostgres := map[key]bool{}
	for _, p := range paths {
		if m := reVersioned.FindStringSubmatch(filepath.Base(p)); m != nil && m[2] == "postgres" {
			hasPostgres[key{filepath.Dir(p), m[1], m[3]}] = true
		}
	}
	skip := map[string]string{}
	for _, p := range paths {
		m := reVersioned.FindStringSubmatch(filepath.Base(p))
		if m == nil {
			continue
		}
		switch {
		case m[2] != "" && m[2] != "postgres":
			skip[p] = "a " + m[2] + " migration; PostgreSQL never runs it"
		case m[2] == "" && hasPostgres[key{filepath.Dir(p), m[1], m[3]}]:
			skip[p] = "replaced by its .postgres. variant on PostgreSQL"
		default:
		}
	}
	return skip
}
