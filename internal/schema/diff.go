package schema

import (
	"fmt"
	"sort"
	"strings"
)

// Diff lists how catalog got differs from want, relation by relation,
// then in the function signatures, sequence names and enums it has:
// relations one has and the other lacks; for each relation in both, its
// kind, column names and order, and each column's type, nullability and
// whether it has a default, a generation expression or an identity
// (their SQL text is not compared: pg_dump prints it differently from how
// migrations write it); then its indexes and constraints by name. Keys in
// ignore (a migration tool's bookkeeping tables, say) are skipped. An
// empty result means the catalogs agree.
func Diff(got, want *Catalog, ignore ...string) []string {
	skip := map[string]bool{}
	for _, k := range ignore {
		skip[k] = true
	}
	var out []string
	for _, w := range want.Tables() {
		if skip[w.Key] {
			continue
		}
		g := got.Table(w.Key)
		if g == nil {
			out = append(out, fmt.Sprintf("%s %s: missing", w.Kind, w.Key))
			continue
		}
		out = append(out, diffTable(got, want, g, w)...)
	}
	for _, g := range got.Tables() {
		if !skip[g.Key] && want.Table(g.Key) == nil {
			out = append(out, fmt.Sprintf("%s %s: not expected", g.Kind, g.Key))
		}
	}
	for _, kind := range []struct {
		what string
		of   func(*Catalog) []string
	}{{"functions", functionNames}, {"sequences", sequenceNames}, {"enums", enumValues}} {
		if g, w := kind.of(got), kind.of(want); strings.Join(g, "; ") != strings.Join(w, "; ") {
			out = append(out, fmt.Sprintf("%s: got %v, want %v", kind.what, g, w))
		}
	}
	return out
}

func functionNames(c *Catalog) []string {
	var out []string
	for _, f := range c.Functions("") {
		out = append(out, f.Signature())
	}
	return out
}

func sequenceNames(c *Catalog) []string {
	var out []string
	for _, s := range c.sequences.values() {
		out = append(out, s.Key)
	}
	sort.Strings(out)
	return out
}

func enumValues(c *Catalog) []string {
	var out []string
	for _, e := range c.enums.values() {
		out = append(out, e.Key+"("+strings.Join(e.Values, ",")+")")
	}
	sort.Strings(out)
	return out
}

func diffTable(got, want *Catalog, g, w *Table) []string {
	var out []string
	add := func(what string, gv, wv any) {
		if gs, ws := fmt.Sprint(gv), fmt.Sprint(wv); gs != ws {
			out = append(out, fmt.Sprintf("%s %s: %s: got %s, want %s", w.Kind, w.Key, what, gs, ws))
		}
	}
	add("kind", g.Kind, w.Kind)
	add("fully known", !g.Unknown, !w.Unknown)
	add("columns", g.ColumnNames(), w.ColumnNames())
	if len(out) > 0 || w.Kind != KindTable {
		return out
	}
	for i, wc := range w.Columns {
		add("column "+wc.Name, columnShape(g.Columns[i]), columnShape(wc))
	}
	add("indexes", indexShapes(got, g.Key), indexShapes(want, w.Key))
	add("constraints", constraintShapes(g), constraintShapes(w))
	return out
}

func columnShape(c *Column) string {
	s := c.Type
	if len(c.Mods) > 0 {
		s += fmt.Sprint(c.Mods)
	}
	if c.NotNull {
		s += " not null"
	}
	if c.Default != "" {
		s += " default"
	}
	if c.Generated != "" {
		s += " generated"
	}
	if c.Identity != "" {
		s += " identity " + c.Identity
	}
	return s
}

func indexShapes(c *Catalog, table string) string {
	var out []string
	for _, ix := range c.Indexes(table) {
		s := ix.Name + "(" + strings.Join(ix.Columns, ",") + ")"
		if ix.Unique {
			s += " unique"
		}
		out = append(out, s)
	}
	return "[" + strings.Join(out, "; ") + "]"
}

func constraintShapes(t *Table) string {
	var out []string
	for _, c := range t.Constraints {
		out = append(out, fmt.Sprintf("%s %s(%s)", c.Name, strings.TrimPrefix(c.Type.String(), "CONSTR_"), strings.Join(c.Columns, ",")))
	}
	sort.Strings(out)
	return "[" + strings.Join(out, "; ") + "]"
}
