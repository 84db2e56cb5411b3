package schema

import (
	"slices"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file replays the statements that create and alter sequences and
// enums.

func (r *replay) createSequence(st *pg.CreateSeqStmt) {
	key := pgast.RelName(st.GetSequence())
	if key == "" || (st.GetIfNotExists() && r.c.sequences.get(key) != nil) {
		return
	}
	s := &Sequence{Key: key, File: r.st.Path, Line: r.st.Line}
	s.OwnedBy = ownedBy(st.GetOptions(), s.OwnedBy)
	r.c.sequences.set(key, s)
}

func (r *replay) alterSequence(st *pg.AlterSeqStmt) {
	key := pgast.RelName(st.GetSequence())
	s := r.c.sequences.get(key)
	if s == nil {
		if st.GetMissingOk() {
			return
		}
		s = &Sequence{Key: key}
	}
	cp := *s
	cp.OwnedBy = ownedBy(st.GetOptions(), s.OwnedBy)
	r.c.sequences.set(key, &cp)
}

// ownedBy returns the "schema.table.column" of an OWNED BY option, "" for
// OWNED BY NONE, and was when the options have none.
func ownedBy(opts []*pg.Node, was string) string {
	for _, o := range opts {
		d := o.GetDefElem()
		if d.GetDefname() != "owned_by" {
			continue
		}
		parts := pgast.Strings(d.GetArg().GetList().GetItems())
		if len(parts) < 2 {
			return ""
		}
		return pgast.QualifyName(parts[:len(parts)-1]) + "." + parts[len(parts)-1]
	}
	return was
}

func (r *replay) createEnum(st *pg.CreateEnumStmt) {
	key := pgast.QualifyName(pgast.Strings(st.GetTypeName()))
	r.c.enums.set(key, &Enum{Key: key, Values: pgast.Strings(st.GetVals()), File: r.st.Path, Line: r.st.Line})
}

// alterEnum replays ADD VALUE (at the end, or BEFORE or AFTER another)
// and RENAME VALUE.
func (r *replay) alterEnum(st *pg.AlterEnumStmt) {
	key := pgast.QualifyName(pgast.Strings(st.GetTypeName()))
	e := r.c.enums.get(key)
	if e == nil {
		return
	}
	cp := *e
	cp.Values = append([]string{}, e.Values...)
	switch {
	case st.GetOldVal() != "":
		cp.Values = renamed(cp.Values, st.GetOldVal(), st.GetNewVal())
	case slices.Contains(cp.Values, st.GetNewVal()):
	default:
		at := len(cp.Values)
		for i, v := range cp.Values {
			if v == st.GetNewValNeighbor() {
				at = i
				if st.GetNewValIsAfter() {
					at++
				}
			}
		}
		cp.Values = append(cp.Values[:at], append([]string{st.GetNewVal()}, cp.Values[at:]...)...)
	}
	r.c.enums.set(key, &cp)
}
