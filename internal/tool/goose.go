package tool

import (
	"regexp"
	"strings"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Goose is pressly/goose: SQL files with -- +goose annotations, each
// section run in one transaction unless the file says NO TRANSACTION.
var Goose = &Tool{
	Name:  "goose",
	About: "pressly/goose: `-- +goose Up` and `-- +goose Down` sections, each run in one transaction unless the file has `-- +goose NO TRANSACTION`.",
	Doc: Doc{
		Detected: "a `-- +goose Up` or `-- +goose Down` line",
		Files:    "`VERSION_NAME.sql`, versions compared as numbers",
		Downs:    "the `-- +goose Down` section of the same file",
		Runs:     "each section in one transaction, split into statements at every line that ends with `;` outside `-- +goose StatementBegin` ... `StatementEnd`; with `-- +goose NO TRANSACTION` anywhere in the file, both sections statement by statement",
		Leave:    "marks the file `-- +goose NO TRANSACTION` and keeps the rest of each section in explicit `BEGIN` ... `COMMIT` blocks, in the same file (ups and downs alike)",
		Refuses:  "a file without a `-- +goose Up` line, an annotation with leading white space, a statement with a line inside it that ends with `;` (a function or `DO` body) outside `-- +goose StatementBegin` and `StatementEnd`, two files with one version",
	},
	Cite: []string{
		"https://pressly.github.io/goose/documentation/annotations/",
		"pressly/goose internal/sqlparser/parser.go (annotations, statements split on ';' or StatementBegin/End)",
		"pressly/goose migration.go runSQLMigration (NO TRANSACTION: each statement on its own)",
	},
	Detect: func(_ *Index, _, text string) string {
		if strings.Contains(text, "+goose") && reGooseMarker.MatchString(text) {
			return "-- +goose annotations"
		}
		return ""
	},
	Names: func(path string) (Name, bool) {
		v, rest, ok := SplitVersion(baseName(path))
		title, isSQL := cutSuffixFold(rest, ".sql")
		if !ok || !isSQL || title == "" {
			return Name{}, false
		}
		return Name{Version: v, Title: title}, true
	},
	Run:      func(*File) Run { return Transaction },
	Sections: gooseSections,
	Check:    gooseCheck,
	Exit: Exit{
		NoTransaction: gooseNoTransaction,
		Blocks:        true,
		// Split steps stay in their file (NoTransaction and Blocks); new
		// migrations are for the contract part of expand/contract rewrites.
		Versions: numberedVersions(func(stem, _ string) Version {
			return Version{
				Path: stem + ".sql",
				Body: func(sql string, noTx bool) string {
					head := "-- +goose Up\n"
					if noTx {
						head = "-- +goose NO TRANSACTION\n" + head
					}
					return head + sql + "\n\n-- +goose Down\n"
				},
			}
		}),
	},
	Compound: gooseCompound,
	Advice: func(a AdviceFor) string {
		if a.Run == Transaction && !a.Explicit {
			return "add `-- +goose NO TRANSACTION` to the file; goose then runs each statement on its own"
		}
		return ""
	},
}

var (
	reGooseMarker    = regexp.MustCompile(`(?m)^\s*--\s*\+goose\s+(Up|Down)\b`)
	reGooseDirective = regexp.MustCompile(`^\+goose\s+(Up|Down|NO TRANSACTION|StatementBegin|StatementEnd)\b`)
	reGooseUp        = regexp.MustCompile(`(?m)^[ \t]*--[ \t]*\+goose[ \t]+Up\b`)
)

// gooseSections reads the Up and Down annotations; NO TRANSACTION anywhere
// makes every section run statement by statement.
func gooseSections(f *File) []Section {
	var out []Section
	noTx := false
	for _, c := range f.Comments {
		m := reGooseDirective.FindStringSubmatch(c.Body())
		if m == nil {
			continue
		}
		switch m[1] {
		case "Up":
			out = append(out, Section{Start: c.Start, Direction: Up, Run: Transaction})
		case "Down":
			out = append(out, Section{Start: c.Start, Direction: Down, Run: Transaction})
		case "NO TRANSACTION":
			noTx = true
		default:
		}
	}
	if noTx {
		for i := range out {
			out[i].Run = Autocommit
		}
	}
	return out
}

// gooseNoTransaction adds -- +goose NO TRANSACTION above the Up annotation.
func gooseNoTransaction(f *File) (string, []Edit, error) {
	loc := reGooseUp.FindStringIndex(f.Text)
	if loc == nil {
		return "", nil, noRoom("no -- +goose Up annotation")
	}
	return "-- +goose NO TRANSACTION", []Edit{{Path: f.Path, Start: loc[0], End: loc[0], NewText: "-- +goose NO TRANSACTION\n"}}, nil
}

// gooseCompound encloses a statement with a body of semicolons, which
// goose would otherwise cut at the first line that ends with one.
var gooseCompound = &Compound{Begin: "-- +goose StatementBegin", End: "-- +goose StatementEnd"}

var (
	reGooseUpLine   = regexp.MustCompile(`(?im)^--\s*\+goose\s+up\s*$`)
	reGooseIndented = regexp.MustCompile(`(?im)^[ \t]+--\s*\+goose\b`)
)

// gooseCheck reports what goose refuses (pressly/goose
// internal/sqlparser/parser.go): a file without a `-- +goose Up`
// annotation on a line of its own, an annotation with leading white
// space, a statement that goose would cut at a line ending with a
// semicolon inside it, and two files with one version.
func gooseCheck(files []Input) []Problem {
	var out []Problem
	for _, f := range files {
		if _, ok := numberedNames(f.Path); !ok {
			continue
		}
		if loc := reGooseIndented.FindStringIndex(f.Text); loc != nil {
			out = append(out, Problem{Path: f.Path, Offset: loc[0], Message: "goose refuses an annotation with leading white space"})
		}
		if !reGooseUpLine.MatchString(f.Text) {
			out = append(out, Problem{Path: f.Path, Message: "goose refuses a file without a `-- +goose Up` annotation on a line of its own"})
		}
		out = append(out, gooseCutShort(f)...)
	}
	return append(out, duplicateVersions(files, "goose", func(path string) (string, string, bool) {
		n, ok := numberedNames(path)
		return numericKey(n.Version), "", ok
	})...)
}

// gooseCutShort reports the statements of f that goose would cut short:
// a line inside them ends with a semicolon, and no StatementBegin and
// StatementEnd annotations enclose them.
func gooseCutShort(f Input) []Problem {
	res := sqlparse.Parse(f.Text)
	if res.Err != nil {
		return nil
	}
	var out []Problem
	for _, st := range res.Statements {
		if cutShort(f.Text, st) && !enclosed(f.Text[:st.Span.Start], gooseCompound) {
			out = append(out, Problem{Path: f.Path, Offset: st.Span.Start,
				Message: "goose cuts this statement at a line inside it that ends with a semicolon: enclose it in `-- +goose StatementBegin` and `-- +goose StatementEnd`"})
		}
	}
	return out
}
