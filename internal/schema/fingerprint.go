package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sort"
)

// Fingerprint returns a digest of what the catalog knows of the schema:
// relations with their columns, constraints and indexes, sequences,
// enums, domains and functions. Where things were created (File, Line) and the
// IDs that pgsafe gives relations do not count, so two replays that leave
// the same schema by different routes (a constraint added NOT VALID and
// validated later, an index built CONCURRENTLY) have the same
// fingerprint.
func (c *Catalog) Fingerprint() string {
	h := sha256.New()
	tables := c.Tables()
	sort.Slice(tables, func(i, j int) bool { return tables[i].Key < tables[j].Key })
	for _, t := range tables {
		fmt.Fprintf(h, "T %s %d %v %s %v\n", t.Key, t.Kind, t.Partitioned, t.PartitionOf, t.Unknown)
		for _, col := range t.Columns {
			fmt.Fprintf(h, " c %s %s %v %v %q %s %q\n", col.Name, col.Type, col.Mods, col.NotNull, col.Default, col.Identity, col.Generated)
		}
		cons := append([]*Constraint(nil), t.Constraints...)
		sort.Slice(cons, func(i, j int) bool { return cons[i].Name < cons[j].Name })
		for _, con := range cons {
			fmt.Fprintf(h, " k %s %d %v %v %s %s %v\n", con.Name, con.Type, con.Columns, con.Validated, con.NotNullOf, con.References, con.RefColumns)
		}
		idx := c.Indexes(t.Key)
		sort.Slice(idx, func(i, j int) bool { return idx[i].Name < idx[j].Name })
		for _, ix := range idx {
			fmt.Fprintf(h, " i %s %v %v %v %s\n", ix.Name, ix.Columns, ix.Unique, ix.Partial, ix.Constraint)
		}
	}
	var lines []string
	c.sequences.each(func(key string, _ *Sequence) { lines = append(lines, "s "+key) })
	c.enums.each(func(key string, e *Enum) { lines = append(lines, fmt.Sprintf("e %s %q", key, e.Values)) })
	c.domains.each(func(key string, d *Domain) { lines = append(lines, fmt.Sprintf("d %s %s", key, d.Base)) })
	c.functions.each(func(key string, f *Function) {
		lines = append(lines, fmt.Sprintf("f %s %q %s", key, f.Args, f.Returns))
	})
	sort.Strings(lines)
	for _, l := range lines {
		writeLine(h, l)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeLine(h hash.Hash, line string) { _, _ = h.Write([]byte(line + "\n")) }
