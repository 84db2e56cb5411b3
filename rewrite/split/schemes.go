package split

import (
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// A nameScheme is how a framework names its migration files: it splits a
// base name into the version and the name after it.
type nameScheme struct {
	key   string // names the scheme in the Index's cache
	split func(base string) (version, name string, ok bool)
}

var (
	// popxNames are popx and pop up migrations,
	// VERSION_NAME[.DIALECT][.autocommit].up.sql.
	popxNames = nameScheme{"popx", splitPopx}
	// numberedNames are VERSION_NAME.sql and VERSION_NAME.up.sql files
	// (goose, dbmate, golang-migrate).
	numberedNames = nameScheme{"numbered", splitNumbered}
	// flywayNames are Flyway versioned migrations, VVERSION__NAME.sql.
	flywayNames = nameScheme{"flyway", splitFlyway}
)

func splitPopx(base string) (version, name string, ok bool) {
	n, ok := migration.ParsePopName(base)
	if !ok || n.Down || n.Ext != "sql" {
		return "", "", false
	}
	return n.Version, n.Name, true
}

// splitNumbered splits digits, '_', a name, an optional ".up" and ".sql";
// the name keeps a ".up" that would otherwise leave it empty.
func splitNumbered(base string) (version, name string, ok bool) {
	version, rest, ok := migration.SplitVersion(base)
	if !ok {
		return "", "", false
	}
	name, ok = strings.CutSuffix(rest, ".sql")
	if !ok || name == "" || strings.Contains(name, "\n") {
		return "", "", false
	}
	if short, up := strings.CutSuffix(name, ".up"); up && short != "" {
		name = short
	}
	return version, name, true
}

// splitFlyway splits a versioned Flyway migration, VVERSION__NAME.sql.
func splitFlyway(base string) (version, name string, ok bool) {
	n, ok := migration.ParseFlywayName(base)
	if !ok || n.Prefix != 'V' || n.Version == "" {
		return "", "", false
	}
	return n.Version, n.Description, true
}

// versionsOf returns the versions of the names that follow scheme s.
func versionsOf(names []string, s nameScheme) []string {
	var out []string
	for _, n := range names {
		if v, _, ok := s.split(n); ok {
			out = append(out, v)
		}
	}
	return out
}
