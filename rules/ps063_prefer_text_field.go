package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// PreferTextField reports new columns of type varchar(n).
func PreferTextField() *Rule {
	return &Rule{
		Code: "PS063", Name: "prefer-text-field", Severity: Hint, FixAvailability: FixAlways,
		Doc: Doc{
			Summary: "A new column of type varchar(n) rather than text.",
			Why: "varchar(n) stores and performs exactly like text; the length is only a check, and one that is expensive " +
				"to change. Lengthening it is a brief ACCESS EXCLUSIVE lock on the table, shortening it (or changing " +
				"to char(n)) rewrites the table, and either has to wait behind every query using the table. A CHECK " +
				"(char_length(c) <= n) constraint states the same limit and can be replaced without blocking anyone: " +
				"add the new one NOT VALID, VALIDATE it, drop the old one. Only columns that this migration creates are " +
				"reported.",
			Bad:  "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(255));",
			Good: "CREATE TABLE accounts (id bigint PRIMARY KEY, email text CHECK (char_length(email) <= 255));",
			Help: "use text, with a CHECK (char_length(c) <= n) constraint when the limit is a rule of the data",
			FixSafety: "Unsafe: replaces varchar(n), character varying(n) or char varying(n) with text and so drops the " +
				"length limit. Add a CHECK constraint by hand where the limit matters.",
			Versions: "All versions.",
		},
		Check: checkPreferTextField,
	}
}

// varcharSpellings are the ways of writing varchar, as lists of words.
var varcharSpellings = [][]string{{"varchar"}, {"character", "varying"}, {"char", "varying"}}

func checkPreferTextField(p *Pass) {
	var found []columnFinding
	for _, c := range newColumns(p) {
		tn := c.def.GetTypeName()
		typ, mods := pgast.TypeName(tn)
		if typ != "varchar" || len(mods) != 1 {
			continue // unlimited varchar is text under another name
		}
		f := columnFinding{col: c, what: fmt.Sprintf("%s (varchar(%d))", c.def.GetColname(), mods[0])}
		for _, words := range varcharSpellings {
			if e, ok := typeWordsEdit(p, tn, words, true, "text"); ok {
				f.edit = &e
				break
			}
		}
		found = append(found, f)
	}
	reportColumns(p, found, "Use text", func(names string, plural bool) string {
		if plural {
			return "columns " + names + " have a length limit that locks the table to change (or rewrites it), where a CHECK constraint could be replaced without blocking"
		}
		return "column " + names + " has a length limit that locks the table to change (or rewrites it), where a CHECK constraint could be replaced without blocking"
	})
}
