package schemadiff

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// This file tells schemas that differ only in the order of the columns of
// some tables: a rewrite that changes a column through a new one (a type
// change done online) adds the new column after the others, which is the
// one difference its schema may show, and one worth saying rather than
// failing on.

// ColumnOrder compares two schemas, dumps as Dump returns them or
// snapshots as Snapshot does, that differ. When they differ only in the
// order of the columns of some tables, it returns one line per such
// table, "public.accounts: (id, balance, email) → (id, email, balance)",
// and true; otherwise nil and false.
func ColumnOrder(a, b string) ([]string, bool) {
	ta, ra := tableColumns(a)
	tb, rb := tableColumns(b)
	if ra != rb {
		return nil, false
	}
	var out []string
	for _, name := range sortedNames(ta) {
		ca, cb := ta[name], tb[name]
		if slices.Equal(ca, cb) {
			continue
		}
		if !slices.Equal(sortedCopy(ca), sortedCopy(cb)) {
			return nil, false
		}
		out = append(out, fmt.Sprintf("%s: (%s) → (%s)", name, columnNames(ca), columnNames(cb)))
	}
	return out, len(out) > 0
}

// tableColumns returns the columns of each table of a schema, in order,
// and the schema with every table's columns sorted by their definition,
// for comparing the rest. It reads pg_dump's CREATE TABLE blocks and Snapshot's column
// lines ("column <table> <position> <name> <type>...").
func tableColumns(schema string) (map[string][]string, string) {
	cols := map[string][]string{}
	lines := strings.Split(schema, "\n")
	var rest, snapshotCols []string
	snapshotAt := -1
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if name, ok := strings.CutPrefix(line, "CREATE TABLE "); ok && strings.HasSuffix(name, " (") {
			name = strings.TrimSuffix(name, " (")
			end := i + 1
			for end < len(lines) && !strings.HasPrefix(lines[end], ")") {
				end++
			}
			var defs, constraints []string
			for _, l := range lines[i+1 : end] {
				l = strings.TrimSuffix(l, ",")
				if strings.HasPrefix(l, "    CONSTRAINT ") {
					constraints = append(constraints, l)
				} else {
					defs = append(defs, l)
				}
			}
			cols[name] = defs
			rest = append(rest, line)
			rest = append(rest, sortedCopy(defs)...)
			rest = append(rest, constraints...)
			i = end - 1
			continue
		}
		if f := strings.SplitN(line, " ", 4); len(f) == 4 && f[0] == "column" {
			// Snapshot: drop the position, which the order of the lines kept
			// in cols says.
			cols[f[1]] = append(cols[f[1]], f[3])
			if snapshotAt < 0 {
				snapshotAt = len(rest)
				rest = append(rest, "")
			}
			snapshotCols = append(snapshotCols, "column "+f[1]+" "+f[3])
			continue
		}
		rest = append(rest, line)
	}
	if snapshotAt >= 0 {
		// Snapshot lines are sorted, its column lines together.
		rest = slices.Replace(rest, snapshotAt, snapshotAt+1, sortedCopy(snapshotCols)...)
	}
	return cols, strings.Join(rest, "\n")
}

// columnNames returns the names of column definitions, joined with ", ".
func columnNames(defs []string) string {
	names := make([]string, len(defs))
	for i, d := range defs {
		d = strings.TrimSpace(d)
		if strings.HasPrefix(d, `"`) {
			if end := strings.Index(d[1:], `" `); end >= 0 {
				names[i] = d[:end+2]
				continue
			}
		}
		names[i], _, _ = strings.Cut(d, " ")
	}
	return strings.Join(names, ", ")
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func sortedNames(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
