package tool

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Popx is ory/x popx, the migrator of Ory's servers (Hydra, Kratos,
// Keto): pop-style file names with a dialect, each file in one
// transaction unless its name holds .autocommit., and every up with a
// down of the same version.
var Popx = &Tool{
	Name:  "popx",
	About: "ory/x popx: `VERSION_NAME[.DIALECT][.autocommit].(up|down).sql`; a file runs in one transaction unless its name holds `.autocommit.`, then as one `Exec`; every up needs a down of the same version.",
	Doc: Doc{
		Detected: "names alone: a dialect (`.postgres.`) or `.autocommit.` in a name (a guess)",
		Files:    "`VERSION_NAME[.DIALECT][.autocommit].(up|down).sql`, versions compared as strings; a `.postgres.` file replaces the dialect-less one",
		Downs:    "the `.down.sql` file of the same version",
		Runs:     "each file in one transaction; an `.autocommit.` file in one `Exec` without one",
		Leave:    "ups: new versions (the version with digits appended, so that they sort right after it), `.postgres.autocommit.up.sql` for a step that needs no transaction, each with an empty `.postgres.down.sql`; a dialect-less file is rewritten into its `.postgres.` variant; downs: not possible",
		Refuses:  "an up migration without a down of its version, two files with one version, dialect and direction",
	},
	Cite: []string{
		"ory/x popx/match.go (file names), popx/migrator.go (shouldNotUseTransaction: .autocommit. files run without a transaction)",
		"ory/x popx/migration_box.go (check: every up migration has a down migration of its version; empty files are skipped)",
	},
	Guess: func(path string) bool {
		n, ok := ParsePopName(baseName(path))
		return ok && n.Ext == "sql" && (n.Dialect != "" || n.Autocommit)
	},
	Names: popNames,
	Skip:  OtherDialects,
	Order: popOrder,
	Check: popxCheck,
	Run: func(f *File) Run {
		if n, ok := ParsePopName(baseName(f.Path)); ok && n.Autocommit {
			return Query
		}
		return Transaction
	},
	Variant: postgresVariant,
	Exit: Exit{
		Versions: popVersions(true),
	},
	Advice: func(a AdviceFor) string {
		switch {
		case a.Explicit:
			return ""
		case a.Run == Transaction:
			return "move it alone into a `.autocommit.up.sql` file, which popx runs without a transaction"
		default:
			return "move it alone into its own `.autocommit.` migration file: popx sends a whole file as one query"
		}
	},
}

// Pop is gobuffalo/pop and its soda CLI: every migration in a
// transaction.
var Pop = &Tool{
	Name:  "pop",
	About: "gobuffalo/pop and its `soda` CLI: `VERSION_NAME.(up|down).(sql|fizz)`, every migration in one transaction.",
	Doc: Doc{
		Detected: "`.fizz` migrations in the folder",
		Files:    "`VERSION_NAME.(up|down).(sql|fizz)`, versions compared as strings",
		Downs:    "the `.down` file of the same version",
		Runs:     "every migration in one transaction, with no way out",
		Leave:    "steps that need a transaction of their own: new versions right after the file; steps that need none: not possible",
		Refuses:  "two files with one version, dialect and direction",
	},
	Cite: []string{
		"gobuffalo/pop migrator.go (every migration runs in c.Transaction)",
		"gobuffalo/pop file_migrator.go (file names)",
	},
	Detect: func(x *Index, path, _ string) string {
		if x.HasSuffix(filepath.Dir(path), ".fizz") {
			return ".fizz migrations in the folder"
		}
		return ""
	},
	Names: popNames,
	Skip:  OtherDialects,
	Order: popOrder,
	Check: popCheck,
	Run:   func(*File) Run { return Transaction },
	// pop's Migrator.Down counts the applied versions to choose what to
	// roll back, and a version with two down files (a dialect-less one
	// and its .postgres. variant) puts the count off: downs are rewritten
	// in place.
	Variant: func(path string) (string, bool) {
		if n, ok := ParsePopName(baseName(path)); !ok || n.Down {
			return "", false
		}
		return postgresVariant(path)
	},
	Exit: Exit{
		Versions: popVersions(false),
		NoTxWhy:  "pop runs every migration in a transaction",
	},
	Advice: func(a AdviceFor) string {
		if a.Run == Transaction && !a.Explicit {
			return "pop runs every migration in a transaction: run this statement outside pop, or move to popx and its `.autocommit.` files"
		}
		return ""
	},
}

// popNames reads a pop or popx name; the version pairs an up with its down.
func popNames(path string) (Name, bool) {
	n, ok := ParsePopName(baseName(path))
	if !ok {
		return Name{}, false
	}
	out := Name{Version: n.Version, Title: n.Name, Key: filepath.Join(filepath.Dir(path), n.Version)}
	if n.Down {
		out.Direction = Down
	}
	return out, true
}

// popVersionWidth is the width of the version column of pop's
// schema_migration table, varchar(14), len(YYYYMMDDhhmmss) (gobuffalo/pop
// schema_migrations.go): inserting a longer version fails.
const popVersionWidth = 14

// popVersions names new pop or popx migrations: the version with digits
// appended (for pop, the next versions when that would not fit its
// version column), a .postgres. name, and an empty down migration of the same
// version (popx refuses an up without one). autocommit says the tool has
// .autocommit. files for steps that must run outside a transaction.
func popVersions(autocommit bool) func(path string, n int, x *Index) ([]Version, error) {
	return func(path string, n int, x *Index) ([]Version, error) {
		base := baseName(path)
		pn, ok := ParsePopName(base)
		if !ok || pn.Down || pn.Ext != "sql" {
			return nil, noRoom("%s is not named like an up migration", base)
		}
		dir := filepath.Dir(path)
		existing := x.Versions(dir, "pop", func(b string) (string, bool) {
			m, ok := ParsePopName(b)
			return m.Version, ok
		})
		versions, err := stringVersions(pn.Version, n, existing)
		if err == nil && !autocommit && n > 0 && len(versions[n-1]) > popVersionWidth {
			// pop records versions in a varchar(14): the next
			// timestamps, compared as strings of one width, fit.
			versions, err = numericVersions(pn.Version, n, existing)
		}
		if err != nil {
			return nil, err
		}
		out := make([]Version, n)
		for i, v := range versions {
			stem := filepath.Join(dir, v+"_"+pn.Name+".postgres")
			down := stem + ".down.sql"
			out[i] = Version{
				Path: stem + ".up.sql",
				Body: func(sql string, _ bool) string { return sql },
				Companions: func(bool) map[string]string {
					return map[string]string{down: "-- Nothing to undo here: the down migration of " + pn.Stem() + " reverts this step.\n"}
				},
			}
			if autocommit {
				out[i].NoTxPath = stem + ".autocommit.up.sql"
			}
		}
		return out, nil
	}
}

// postgresVariant returns the .postgres. variant of a dialect-less popx
// or pop migration, which PostgreSQL runs in its place: a rewrite for
// PostgreSQL must not change the file that other databases run.
func postgresVariant(path string) (string, bool) {
	n, ok := ParsePopName(baseName(path))
	if !ok || n.Dialect != "" || n.Ext != "sql" {
		return "", false
	}
	rest := "up.sql"
	if n.Down {
		rest = "down.sql"
	}
	if n.Autocommit {
		rest = "autocommit." + rest
	}
	return filepath.Join(filepath.Dir(path), n.Stem()+".postgres."+rest), true
}

// PopName is a popx or gobuffalo/pop migration file name split into its
// parts: VERSION_NAME[.DIALECT][.autocommit].(up|down).(sql|fizz).
type PopName struct {
	Version    string // the leading digits
	Name       string // after the '_', up to the first '.'
	Dialect    string // "postgres", "mysql", ...; "" for every database
	Autocommit bool   // the file runs outside a transaction
	Down       bool   // a down migration
	Ext        string // "sql" or "fizz"
}

// dialects are the databases popx and pop name in file names.
var dialects = []string{"postgres", "cockroach", "mysql", "sqlite3", "mssql"}

// ParsePopName splits a popx or pop file's base name; ok is false when
// base is not named like one.
func ParsePopName(base string) (n PopName, ok bool) {
	var rest string
	if n.Version, rest, ok = SplitVersion(base); !ok {
		return n, false
	}
	dot := strings.IndexByte(rest, '.')
	if dot <= 0 {
		return n, false
	}
	n.Name, rest = rest[:dot], rest[dot+1:]
	parts := strings.Split(rest, ".")
	if len(parts) >= 3 && isDialect(parts[0]) {
		n.Dialect, parts = parts[0], parts[1:]
	}
	if len(parts) >= 3 && parts[0] == "autocommit" {
		n.Autocommit, parts = true, parts[1:]
	}
	if len(parts) != 2 || (parts[0] != "up" && parts[0] != "down") || (parts[1] != "sql" && parts[1] != "fizz") {
		return n, false
	}
	n.Down, n.Ext = parts[0] == "down", parts[1]
	return n, true
}

// Stem returns VERSION_NAME.
func (n PopName) Stem() string { return n.Version + "_" + n.Name }

func isDialect(s string) bool {
	for _, d := range dialects {
		if s == d {
			return true
		}
	}
	return false
}

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
		if n, ok := ParsePopName(baseName(p)); ok && n.Dialect == "postgres" {
			hasPostgres[keyOf(p, n)] = true
		}
	}
	skip := map[string]string{}
	for _, p := range paths {
		n, ok := ParsePopName(baseName(p))
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

// popOrder orders pop and popx migrations as they do: by version,
// compared as strings, then by name.
func popOrder(paths []string) []string {
	out := append([]string(nil), paths...)
	key := func(p string) (string, string) {
		n, ok := ParsePopName(filepath.Base(p))
		if !ok {
			return "\xff", filepath.Base(p)
		}
		return n.Version, filepath.Base(p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		vi, bi := key(out[i])
		vj, bj := key(out[j])
		if vi != vj {
			return vi < vj
		}
		return bi < bj
	})
	return out
}

// popCheck reports two migrations of one version, dialect and direction.
func popCheck(files []Input) []Problem {
	return duplicateVersions(files, "pop", func(path string) (string, string, bool) {
		n, ok := ParsePopName(filepath.Base(path))
		dir := "up"
		if n.Down {
			dir = "down"
		}
		return n.Version, n.Dialect + "." + dir, ok
	})
}

// popxCheck reports what popx refuses (ory/x popx/migration_box.go,
// check): an up migration without a down migration of its version, and
// two migrations of one version, dialect and direction.
func popxCheck(files []Input) []Problem {
	downs := map[string]bool{}
	for _, f := range files {
		if n, ok := ParsePopName(filepath.Base(f.Path)); ok && n.Down {
			downs[filepath.Join(filepath.Dir(f.Path), n.Version)] = true
		}
	}
	var out []Problem
	for _, f := range files {
		n, ok := ParsePopName(filepath.Base(f.Path))
		if ok && !n.Down && !downs[filepath.Join(filepath.Dir(f.Path), n.Version)] {
			out = append(out, Problem{Path: f.Path, Message: fmt.Sprintf("popx refuses an up migration without a down migration of its version (%s)", n.Version)})
		}
	}
	return append(out, popCheck(files)...)
}
