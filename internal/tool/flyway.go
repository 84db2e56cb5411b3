package tool

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// Flyway runs versioned SQL scripts, each in a transaction unless its
// .sql.conf or one of its statements says otherwise.
var Flyway = &Tool{
	Name:  "flyway",
	About: "Flyway: `V<version>__<name>.sql` scripts (`U` undo, `R` repeatable), each in one transaction unless `<script>.sql.conf` sets `executeInTransaction=false` or a statement must run outside one.",
	Doc: Doc{
		Detected: "a `<script>.sql.conf` in the folder, or `flyway.conf` / `flyway.toml` in it or up to three folders above; names alone (`V1__x.sql`) are a guess",
		Files:    "`V<version>__<name>.sql` (versions `1`, `1.1`, `1_1` compared part by part), `U<version>__` undo, `R__` repeatable",
		Downs:    "the `U` script of the same version (Flyway Teams)",
		Runs:     "each script in one transaction, unless its `.sql.conf` sets `executeInTransaction=false` or it holds a statement Flyway runs outside one",
		Leave:    "`executeInTransaction=false` in a new `.sql.conf` when nothing else in the script needs the transaction; otherwise new versions right after the script (`V1_1__`), with a `.sql.conf` for a step that needs no transaction",
		Refuses:  "two scripts with one version",
	},
	Cite: []string{
		"https://documentation.red-gate.com/fd/migrations-184127470.html (naming)",
		"https://documentation.red-gate.com/fd/script-configuration-184127482.html (executeInTransaction in <script>.sql.conf)",
		"flyway/flyway PostgreSQLParser.detectCanExecuteInTransaction (statements that make a script non-transactional)",
	},
	Checksums: "Flyway validates the checksum of every applied script: `flyway migrate` fails on a script changed after it ran. Fix only migrations that have not run anywhere (`--changed-since`), or run `flyway repair` afterwards.",
	Detect: func(x *Index, path, _ string) string {
		dir := filepath.Dir(path)
		if x.HasSuffix(dir, ".sql.conf") {
			return "a Flyway .sql.conf in the folder"
		}
		for d, i := dir, 0; i < 4; d, i = filepath.Dir(d), i+1 {
			for _, conf := range []string{"flyway.conf", "flyway.toml"} {
				if x.Exists(filepath.Join(d, conf)) {
					return conf + " in " + d
				}
			}
			if filepath.Dir(d) == d {
				break
			}
		}
		return ""
	},
	Guess: func(path string) bool {
		_, ok := ParseFlywayName(baseName(path))
		return ok
	},
	Names: func(path string) (Name, bool) {
		n, ok := ParseFlywayName(baseName(path))
		if !ok {
			return Name{}, false
		}
		out := Name{Version: n.Version, Title: n.Description}
		switch n.Prefix {
		case 'U':
			out.Direction = Down
			out.Key = filepath.Join(filepath.Dir(path), "V"+n.Version)
		case 'V':
			out.Key = filepath.Join(filepath.Dir(path), "V"+n.Version)
		default:
		}
		return out, true
	},
	Check: func(files []Input) []Problem {
		return duplicateVersions(files, "Flyway", func(path string) (string, string, bool) {
			n, ok := ParseFlywayName(baseName(path))
			if !ok || n.Version == "" {
				return "", "", false
			}
			parts := strings.FieldsFunc(n.Version, func(r rune) bool { return r == '.' || r == '_' })
			for i, p := range parts {
				parts[i] = numericKey(p)
			}
			return strings.Join(parts, "."), string(n.Prefix), true
		})
	},
	Run: func(f *File) Run {
		if b, ok := f.readCompanion(f.Path + ".conf"); ok && reFlywayTx.Match(b) {
			return Autocommit
		}
		if flywayNonTx(f.Statements) {
			return Autocommit
		}
		return Transaction
	},
	Exit: Exit{
		NoTransaction: func(f *File) (string, []Edit, error) {
			conf := f.Path + ".conf"
			if _, exists := f.readCompanion(conf); exists {
				return "", nil, noRoom("%s exists; set executeInTransaction=false in it", filepath.Base(conf))
			}
			return "executeInTransaction=false in " + filepath.Base(conf), []Edit{{Path: conf, NewText: "executeInTransaction=false\n"}}, nil
		},
		Versions: func(path string, n int, x *Index) ([]Version, error) {
			base := baseName(path)
			fn, ok := ParseFlywayName(base)
			if !ok || fn.Prefix != 'V' || fn.Version == "" {
				return nil, noRoom("%s is not a versioned Flyway migration", base)
			}
			dir := filepath.Dir(path)
			versions, err := flywayVersions(fn.Version, n, x.Versions(dir, "flyway", func(b string) (string, bool) {
				m, ok := ParseFlywayName(b)
				return m.Version, ok && m.Prefix == 'V' && m.Version != ""
			}))
			if err != nil {
				return nil, err
			}
			out := make([]Version, n)
			for i, v := range versions {
				p := filepath.Join(dir, "V"+v+"__"+fn.Description+".sql")
				out[i] = Version{Path: p, Body: func(sql string, _ bool) string { return sql },
					Companions: func(noTx bool) map[string]string {
						if !noTx {
							return nil
						}
						return map[string]string{p + ".conf": "executeInTransaction=false\n"}
					}}
			}
			return out, nil
		},
	},
	Advice: func(a AdviceFor) string {
		if a.Run == Transaction && !a.Explicit {
			return fmt.Sprintf("set executeInTransaction=false in %s.conf", baseName(a.Path))
		}
		return ""
	},
}

var reFlywayTx = regexp.MustCompile(`(?m)^\s*executeInTransaction\s*=\s*false\s*$`)

// FlywayName is a Flyway script name split into its parts:
// PREFIX[VERSION]__DESCRIPTION.sql.
type FlywayName struct {
	Prefix      byte   // 'V' versioned, 'U' undo, 'R' repeatable
	Version     string // digits, parts separated by '.' or '_'; "" when none
	Description string
}

// ParseFlywayName splits a Flyway script's base name; ok is false when
// base is not named like one.
func ParseFlywayName(base string) (n FlywayName, ok bool) {
	if len(base) == 0 || (base[0] != 'V' && base[0] != 'U' && base[0] != 'R') {
		return n, false
	}
	n.Prefix = base[0]
	i := 1
	if d := leadingDigits(base[i:]); d > 0 {
		i += d
		for i+1 < len(base) && (base[i] == '.' || base[i] == '_') && isDigit(base[i+1]) {
			i++
			i += leadingDigits(base[i:])
		}
	}
	n.Version = base[1:i]
	rest, ok := strings.CutPrefix(base[i:], "__")
	if !ok {
		return n, false
	}
	n.Description, ok = strings.CutSuffix(rest, ".sql")
	return n, ok && n.Description != "" && !strings.Contains(n.Description, "\n")
}

// flywayNonTx reports whether a statement makes Flyway run the whole
// script outside a transaction (its PostgreSQL parser's list).
func flywayNonTx(stmts []*pg.Node) bool {
	for _, st := range stmts {
		switch n := st.GetNode().(type) {
		case *pg.Node_IndexStmt:
			if n.IndexStmt.GetConcurrent() {
				return true
			}
		case *pg.Node_DropStmt:
			if n.DropStmt.GetConcurrent() {
				return true
			}
		case *pg.Node_ReindexStmt:
			k := n.ReindexStmt.GetKind()
			if k == pg.ReindexObjectType_REINDEX_OBJECT_SCHEMA || k == pg.ReindexObjectType_REINDEX_OBJECT_DATABASE || k == pg.ReindexObjectType_REINDEX_OBJECT_SYSTEM {
				return true
			}
		case *pg.Node_AlterEnumStmt:
			if n.AlterEnumStmt.GetOldVal() == "" { // ADD VALUE, not RENAME VALUE
				return true
			}
		case *pg.Node_VacuumStmt, *pg.Node_CreatedbStmt, *pg.Node_DropdbStmt,
			*pg.Node_CreateTableSpaceStmt, *pg.Node_DropTableSpaceStmt, *pg.Node_CreateSubscriptionStmt,
			*pg.Node_DropSubscriptionStmt, *pg.Node_AlterSystemStmt:
			return true
		case *pg.Node_DiscardStmt:
			if n.DiscardStmt.GetTarget() == pg.DiscardMode_DISCARD_ALL {
				return true
			}
		default:
		}
	}
	return false
}
