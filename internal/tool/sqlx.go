package tool

import (
	"path/filepath"
	"strings"
)

// Sqlx is the Rust sqlx migrator (sqlx-cli's `sqlx migrate run`):
// VERSION_DESCRIPTION.sql files, or .up.sql and .down.sql pairs, each run
// as one query in a transaction unless its first line is
// -- no-transaction.
var Sqlx = &Tool{
	Name:  "sqlx",
	About: "Rust sqlx (`sqlx migrate run`): `VERSION_DESCRIPTION.sql`, or `.up.sql` and `.down.sql` pairs; each file sent as one query inside a transaction, or without one when it starts with `-- no-transaction`.",
	Doc: Doc{
		Detected: "a first line `-- no-transaction`; otherwise only a setting",
		Files:    "`VERSION_DESCRIPTION.sql`, or `.up.sql` and `.down.sql` pairs, versions compared as numbers",
		Downs:    "the `.down.sql` file of the same version",
		Runs:     "each file as one query, inside a transaction unless it starts with `-- no-transaction`",
		Leave:    "ups: new versions right after the file, `-- no-transaction` on a step that needs no transaction (alone in its file); downs: not possible",
		Refuses:  "two files with one version",
	},
	Cite: []string{
		"launchbadge/sqlx sqlx-core/src/migrate/source.rs (file names, -- no-transaction)",
		"launchbadge/sqlx sqlx-postgres/src/migrate.rs (apply: the file's SQL in one execute, in a transaction unless no_tx)",
	},
	Checksums: "sqlx stores a checksum of each applied migration and `sqlx migrate run` fails when an applied file has changed: fix only migrations that have not run anywhere (`--changed-since`).",
	Detect: func(_ *Index, _, text string) string {
		if strings.HasPrefix(text, "-- no-transaction") {
			return "a -- no-transaction first line"
		}
		return ""
	},
	Names: func(path string) (Name, bool) {
		v, rest, ok := SplitVersion(baseName(path))
		if !ok {
			return Name{}, false
		}
		n := Name{Version: v, Key: filepath.Join(filepath.Dir(path), numericKey(v))}
		switch {
		case strings.HasSuffix(rest, ".down.sql"):
			n.Title, n.Direction = strings.TrimSuffix(rest, ".down.sql"), Down
		case strings.HasSuffix(rest, ".up.sql"):
			n.Title = strings.TrimSuffix(rest, ".up.sql")
		case strings.HasSuffix(rest, ".sql"):
			n.Title = strings.TrimSuffix(rest, ".sql")
		default:
			return Name{}, false
		}
		return n, n.Title != ""
	},
	Run: func(f *File) Run {
		if strings.HasPrefix(f.Text, "-- no-transaction") {
			return Query
		}
		return Transaction
	},
	Check: func(files []Input) []Problem {
		return duplicateVersions(files, "sqlx", func(path string) (string, string, bool) {
			v, rest, ok := SplitVersion(baseName(path))
			dir := "up"
			if strings.HasSuffix(rest, ".down.sql") {
				dir = "down"
			}
			return numericKey(v), dir, ok
		})
	},
	Exit: Exit{
		Versions: func(path string, n int, x *Index) ([]Version, error) {
			reversible := strings.HasSuffix(path, ".up.sql")
			return numberedVersions(func(stem, origin string) Version {
				v := Version{
					Path: stem + ".sql",
					Body: func(sql string, noTx bool) string {
						if noTx {
							return "-- no-transaction\n" + sql
						}
						return sql
					},
				}
				if reversible {
					v.Path = stem + ".up.sql"
					v.Companions = func(bool) map[string]string {
						return map[string]string{stem + ".down.sql": "-- Nothing to undo here: the down migration of " + origin + " reverts this step.\n"}
					}
				}
				return v
			})(path, n, x)
		},
	},
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return ""
		}
		return "move it alone into a migration file of its own whose first line is `-- no-transaction`: sqlx sends a whole file as one query"
	},
}
