package schema

import (
	"strconv"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// maxIdentLen is the longest name PostgreSQL keeps (NAMEDATALEN - 1).
const maxIdentLen = 63

// objectName builds a name the way PostgreSQL's makeObjectName does:
// name1, name2 and label joined by "_", with name1 and name2 shortened
// (the longer first) until the whole fits in 63 bytes. name2 and label
// may be empty.
func objectName(name1, name2, label string) string {
	avail := maxIdentLen
	if name2 != "" {
		avail-- // the underscore before name2
	}
	if label != "" {
		avail -= len(label) + 1
	}
	n1, n2 := len(name1), len(name2)
	for n1+n2 > avail {
		if n1 > n2 {
			n1--
		} else {
			n2--
		}
	}
	out := clip(name1, n1)
	if name2 != "" {
		out += "_" + clip(name2, n2)
	}
	if label != "" {
		out += "_" + label
	}
	return out
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// chooseName picks the name PostgreSQL gives an unnamed constraint or
// index of t (ChooseConstraintName, ChooseRelationName): objectName of the
// table, name2 and label, with a number after the label while the name is
// taken by a constraint of t or, when relation is set, by a relation or
// index of t's schema.
func (c *Catalog) chooseName(t *Table, name2, label string, relation bool) string {
	for pass := 0; ; pass++ {
		l := label
		if pass > 0 {
			l += strconv.Itoa(pass)
		}
		name := objectName(pgast.ObjectName(t.Key), name2, l)
		key := indexKey(t.Key, name)
		taken := t.Constraint(name) != nil || (relation && (c.indexes.get(key) != nil || c.tables.get(key) != nil))
		if !taken {
			return name
		}
	}
}

// constraintName picks the name of an unnamed constraint on t: the
// table, its columns (for CHECK, the one column it reads, if only one)
// and a label by kind, as PostgreSQL does.
func (c *Catalog) constraintName(t *Table, ct pg.ConstrType, keys, reads []string) string {
	switch ct {
	case pg.ConstrType_CONSTR_PRIMARY:
		return c.chooseName(t, "", "pkey", true)
	case pg.ConstrType_CONSTR_UNIQUE:
		return c.chooseName(t, strings.Join(keys, "_"), "key", true)
	case pg.ConstrType_CONSTR_EXCLUSION:
		return c.chooseName(t, strings.Join(keys, "_"), "excl", true)
	case pg.ConstrType_CONSTR_FOREIGN:
		return c.chooseName(t, strings.Join(keys, "_"), "fkey", false)
	default:
		col := ""
		if len(reads) == 1 {
			col = reads[0]
		}
		return c.chooseName(t, col, "check", false)
	}
}
