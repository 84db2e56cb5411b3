package stats

import (
	"math"
	"sort"
)

// tables turns two samples into the snapshot's tables: the tables of the
// second sample with their sizes, and their rates from the counters'
// differences over the time between the samples. blockSize is the
// server's page size, in bytes.
//
// A partition is listed as a table of its own, and a partitioned table
// gets the rows, bytes and rates of all its partitions together (those
// of sub-partitions included), since a lock on it reaches them all.
func tables(first, second *sample, blockSize int64) []Table {
	seconds := second.at.Sub(first.at).Seconds()
	children := map[uint32][]uint32{}
	for oid, r := range second.rels {
		if r.parent != 0 {
			children[r.parent] = append(children[r.parent], oid)
		}
	}
	out := make([]Table, 0, len(second.rels))
	for oid, r := range second.rels {
		t := Table{Schema: r.schema, Name: r.name, MaterializedView: r.materialized, Indexes: second.indexes[oid]}
		if p := second.rels[r.parent]; p != nil {
			t.PartitionOf = &TableName{Schema: p.schema, Name: p.name}
		}
		var writes, reads int64
		known := true
		for _, leaf := range leaves(oid, second.rels, children) {
			l := second.rels[leaf]
			t.Rows = addKnown(t.Rows, rowEstimate(l, blockSize))
			t.HeapBytes += l.mainBytes + l.toastBytes
			t.IndexBytes += l.indexBytes
			w, rd, ok := traffic(first.rels[leaf], l)
			known = known && ok
			writes += w
			reads += rd
		}
		if known {
			t.WritesPerSecond = float64(writes) / seconds
			t.ReadsPerSecond = float64(reads) / seconds
		} else {
			t.WritesPerSecond, t.ReadsPerSecond = Unknown, Unknown
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Schema != out[j].Schema {
			return out[i].Schema < out[j].Schema
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// leaves returns the tables that hold the rows of the table oid: the
// table itself, or for a partitioned table its partitions that are not
// partitioned in turn, at every level.
func leaves(oid uint32, rels map[uint32]*relation, children map[uint32][]uint32) []uint32 {
	if !rels[oid].partitioned {
		return []uint32{oid}
	}
	var out []uint32
	for _, c := range children[oid] {
		out = append(out, leaves(c, rels, children)...)
	}
	return out
}

// rowEstimate estimates the rows of a table as the planner does: the
// rows per page that the last VACUUM, ANALYZE or CREATE INDEX counted
// (reltuples / relpages), times the pages the table has now. It is
// Unknown when no such count is there to scale (never analyzed, or
// analyzed while it had no pages) and the table has pages.
func rowEstimate(r *relation, blockSize int64) int64 {
	if r.mainBytes == 0 {
		return 0
	}
	if r.reltuples < 0 || r.relpages <= 0 || blockSize <= 0 {
		return Unknown
	}
	pages := float64(r.mainBytes / blockSize)
	return int64(math.Round(r.reltuples / float64(r.relpages) * pages))
}

// addKnown adds the row counts a and b, Unknown when either is.
func addKnown(a, b int64) int64 {
	if a == Unknown || b == Unknown {
		return Unknown
	}
	return a + b
}

// traffic returns the rows written and the scans made on a table
// between the samples before and after; ok is false when they are
// unknown: the table was not in the first sample (it is new), it has no
// counters, or its counters were reset in between (one of them fell).
func traffic(before, after *relation) (writes, reads int64, ok bool) {
	if before == nil || before.counters == nil || after.counters == nil || after.counters.fellSince(before.counters) {
		return 0, 0, false
	}
	return after.counters.writes() - before.counters.writes(), after.counters.reads() - before.counters.reads(), true
}
