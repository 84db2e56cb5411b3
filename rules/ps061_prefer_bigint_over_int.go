package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// PreferBigintOverInt reports new key columns (primary keys, references,
// serial and identity columns, id and *_id) of type integer or smallint.
func PreferBigintOverInt() *Rule {
	return &Rule{
		Code: "PS061", Name: "prefer-bigint-over-int", Severity: Hint, FixAvailability: FixAlways,
		Doc: Doc{
			Summary: "A new key column (primary key, reference, serial or identity, or named id or *_id) of type integer or smallint.",
			Why: "A key that a sequence fills only grows: integer runs out at 2,147,483,647 and smallint at 32,767, and then " +
				"every INSERT fails. Widening the column later is a type change that rewrites the table and every index " +
				"under ACCESS EXCLUSIVE (hazard catalog row 20), together with every column that references it. bigint " +
				"costs four more bytes per row now and never runs out. Only columns that this migration creates are " +
				"reported, and only key columns: a counter or an enum-like code that cannot outgrow integer is left alone.",
			Bad:  "CREATE TABLE accounts (id serial PRIMARY KEY, owner_id integer REFERENCES users (id));",
			Good: "CREATE TABLE accounts (id bigserial PRIMARY KEY, owner_id bigint REFERENCES users (id));",
			Help: "use bigint (bigserial for serial): widening a key later rewrites the table under ACCESS EXCLUSIVE",
			FixSafety: "Unsafe: replaces int, integer, int4, smallint or int2 with bigint, and serial or smallserial with " +
				"bigserial, in the new column's type. The application then reads 64-bit values: check the types of the " +
				"code and of the columns that reference this one.",
			Versions:    "All versions.",
			CatalogRows: []int{20},
		},
		Check: checkPreferBigintOverInt,
	}
}

// narrowIntegers maps the spellings of the narrow integer types, as the
// parser names them, to the wide type that replaces them.
var narrowIntegers = map[string]string{
	"int4": "bigint", "int2": "bigint", "serial": "bigserial", "serial4": "bigserial",
	"smallserial": "bigserial", "serial2": "bigserial",
}

// integerSpellings are how the narrow integer types can be written.
var integerSpellings = []string{"integer", "int", "int4", "smallint", "int2", "serial", "serial4", "smallserial", "serial2"}

func checkPreferBigintOverInt(p *Pass) {
	var found []columnFinding
	wides := map[string]bool{}
	for _, c := range newColumns(p) {
		tn := c.def.GetTypeName()
		typ, _ := pgast.TypeName(tn)
		wide, narrow := narrowIntegers[typ]
		if !narrow || !c.key {
			continue
		}
		f := columnFinding{col: c, what: fmt.Sprintf("%s (%s, at most %s)", c.def.GetColname(), typeLabel(typ), integerLimit(typ))}
		for _, w := range integerSpellings {
			if e, ok := typeWordsEdit(p, tn, []string{w}, false, wide); ok {
				f.edit = &e
				break
			}
		}
		wides[wide] = true
		found = append(found, f)
	}
	title := "Use bigint"
	if wides["bigserial"] {
		title = "Use bigserial"
		if wides["bigint"] {
			title = "Use bigint and bigserial"
		}
	}
	reportColumns(p, found, title, func(names string, plural bool) string {
		table := Display(found[0].col.table)
		if plural {
			return "key columns " + names + " will run out of values; widening them later rewrites " + table + " under ACCESS EXCLUSIVE"
		}
		return "key column " + names + " will run out of values; widening it later rewrites " + table + " under ACCESS EXCLUSIVE"
	})
}

// typeLabel names a type as users write it.
func typeLabel(typ string) string {
	switch typ {
	case "int4":
		return "integer"
	case "int2":
		return "smallint"
	case "serial4":
		return "serial"
	case "serial2":
		return "smallserial"
	default:
		return typ
	}
}

// integerLimit is the largest value of a narrow integer type.
func integerLimit(typ string) string {
	switch typ {
	case "int2", "smallserial", "serial2":
		return "32,767"
	default:
		return "2,147,483,647"
	}
}
