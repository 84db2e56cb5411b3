package migration

import "path/filepath"

// OtherDialects returns, for popx and pop style folders, the paths that
// PostgreSQL never runs, with the reason: files for another database
// ("x.mysql.up.sql"), and dialect-less files that a ".postgres." file of
// the same version replaces.
func OtherDialects(paths []string) map[string]string {
	type key struct{ dir, stem, rest string }
	keyOf := func(p string, n PopName) key {
		rest := "up"
		if n.Down {
			rest = "down"
		}
		if n.Autocommit {
			rest = "autocommit." + rest
		}
		return key{filepath.Dir(p), n.Stem(), rest}
	}
	hasPostgres := map[key]bool{}
	for _, p := range paths {
		if n, ok := ParsePopName(filepath.Base(p)); ok && n.Dialect == "postgres" {
			hasPostgres[keyOf(p, n)] = true
		}
	}
	skip := map[string]string{}
	for _, p := range paths {
		n, ok := ParsePopName(filepath.Base(p))
		switch {
		case !ok:
		case n.Dialect != "" && n.Dialect != "postgres":
			skip[p] = "a " + n.Dialect + " migration; PostgreSQL never runs it"
		case n.Dialect == "" && hasPostgres[keyOf(p, n)]:
			skip[p] = "replaced by its .postgres. variant on PostgreSQL"
		default:
		}
	}
	return skip
}
