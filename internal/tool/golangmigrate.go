package tool

import (
	"path/filepath"
	"strings"
)

// GolangMigrate is golang-migrate/migrate with its postgres driver: each
// version is an up file and a down file, and each file is sent as one
// query.
var GolangMigrate = &Tool{
	Name:  "golang-migrate",
	About: "golang-migrate/migrate (postgres driver): `VERSION_TITLE.up.sql` and `.down.sql` per version, each file sent in one `Exec`.",
	Doc: Doc{
		Detected: "names alone: `VERSION_NAME.up.sql` and `.down.sql` (a guess)",
		Files:    "`VERSION_NAME.up.sql`, `VERSION_NAME.down.sql`, versions compared as numbers",
		Downs:    "the `.down.sql` file of the same version",
		Runs:     "each file in one `Exec`, without a transaction of its own: several statements form one implicit transaction",
		Leave:    "ups: new versions right after the file, each with a `.down.sql` that undoes nothing (the original's down undoes the whole change), a step that needs no transaction alone in its file; downs: not possible (one file per rollback)",
		Refuses:  "two up (or two down) files with one version",
	},
	Cite: []string{
		"golang-migrate/migrate source/parse.go (file names: `^([0-9]+)_(.*)\\.(down|up)\\.(.*)$`)",
		"golang-migrate/migrate database/postgres/postgres.go Run (the whole file in one Exec, unless x-multi-statement)",
		"golang-migrate/migrate database/postgres/README.md",
	},
	Guess: func(path string) bool {
		_, ok := golangMigrateName(path)
		return ok
	},
	Names: golangMigrateName,
	Run:   func(*File) Run { return Query },
	Check: func(files []Input) []Problem {
		return duplicateVersions(files, "golang-migrate", func(path string) (string, string, bool) {
			n, ok := golangMigrateName(path)
			return numericKey(n.Version), n.Direction.String(), ok
		})
	},
	Exit: Exit{
		Versions: numberedVersions(func(stem, origin string) Version {
			return Version{
				Path: stem + ".up.sql",
				Body: func(sql string, _ bool) string { return sql },
				Companions: func(bool) map[string]string {
					return map[string]string{stem + ".down.sql": "-- Nothing to undo here: the down migration of " + origin + " reverts this step.\n"}
				},
			}
		}),
	},
	Advice: func(a AdviceFor) string {
		if a.Run == Query && !a.Explicit {
			return "move it alone into its own migration file: golang-migrate sends a whole file as one query, which PostgreSQL runs as one transaction"
		}
		return ""
	},
}

// golangMigrateName reads VERSION_TITLE.up.sql and VERSION_TITLE.down.sql;
// the version pairs the two.
func golangMigrateName(path string) (Name, bool) {
	v, rest, ok := SplitVersion(baseName(path))
	if !ok {
		return Name{}, false
	}
	dirn := Up
	title, isUp := strings.CutSuffix(rest, ".up.sql")
	if !isUp {
		var isDown bool
		if title, isDown = strings.CutSuffix(rest, ".down.sql"); !isDown {
			return Name{}, false
		}
		dirn = Down
	}
	if title == "" || strings.Contains(title, "\n") {
		return Name{}, false
	}
	return Name{Version: v, Title: title, Direction: dirn, Key: filepath.Join(filepath.Dir(path), numericKey(v))}, true
}

// numericKey returns a numeric version without its leading zeros, as
// tools that parse versions as integers see it: 001 and 1 are one
// version.
func numericKey(v string) string {
	if k := strings.TrimLeft(v, "0"); k != "" {
		return k
	}
	return "0"
}
