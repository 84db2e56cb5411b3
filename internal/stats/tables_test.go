package stats

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestRowEstimate covers the row counts of each PostgreSQL version's
// catalog, including those a PostgreSQL 15 server does not produce.
func TestRowEstimate(t *testing.T) {
	const block = 8192
	for _, c := range []struct {
		name      string
		reltuples float64
		relpages  int64
		mainBytes int64
		want      int64
	}{
		{"analyzed, same size", 1000, 5, 5 * block, 1000},
		{"analyzed, grown by a page", 1000, 5, 6 * block, 1200},
		{"analyzed while empty, empty", 0, 0, 0, 0},
		{"never analyzed, empty (14 and later)", -1, 0, 0, 0},
		{"never analyzed, with pages (14 and later)", -1, 0, 3 * block, Unknown},
		{"never analyzed, with pages (12 and 13: reltuples 0)", 0, 0, 3 * block, Unknown},
		{"analyzed while empty, filled since", 0, 0, 2 * block, Unknown},
		{"every row deleted since, not vacuumed", 0, 4, 4 * block, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &relation{reltuples: c.reltuples, relpages: c.relpages, mainBytes: c.mainBytes}
			assert.Equal(t, c.want, rowEstimate(r, block))
		})
	}
}

// TestTablesRates: a partitioned table adds up its partitions at every
// level, and is unknown when one of them is; a table whose counters fell
// or that is new has unknown rates.
func TestTablesRates(t *testing.T) {
	at := time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC)
	leaf := func(oid, parent uint32, name string, writes, scans int64) *relation {
		return &relation{oid: oid, parent: parent, schema: "public", name: name, reltuples: 10, relpages: 1, mainBytes: 8192,
			counters: &counters{inserted: writes, seqScans: scans, vacuums: 3}}
	}
	parent := func(oid, parent uint32, name string) *relation {
		return &relation{oid: oid, parent: parent, schema: "public", name: name, partitioned: true}
	}
	first := &sample{at: at, rels: map[uint32]*relation{
		1: parent(1, 0, "events"), 2: leaf(2, 1, "events_a", 100, 10),
		3: parent(3, 1, "events_b"), 4: leaf(4, 3, "events_b1", 100, 10), 5: leaf(5, 3, "events_b2", 100, 10),
		6: leaf(6, 0, "reset", 100, 10),
	}}
	second := &sample{at: at.Add(2 * time.Second), rels: map[uint32]*relation{
		1: parent(1, 0, "events"), 2: leaf(2, 1, "events_a", 120, 14),
		3: parent(3, 1, "events_b"), 4: leaf(4, 3, "events_b1", 110, 10), 5: leaf(5, 3, "events_b2", 100, 12),
		6: leaf(6, 0, "reset", 100, 10), 7: leaf(7, 0, "created", 4, 0),
	}}
	second.rels[6].counters.vacuums = 0 // reset: only the vacuum count fell
	got := map[string]Table{}
	for _, tb := range tables(first, second, 8192) {
		got[tb.Name] = tb
	}
	assert.Len(t, got, 7)
	assert.InDelta(t, 10, got["events_a"].WritesPerSecond, 1e-9)
	assert.InDelta(t, 2, got["events_a"].ReadsPerSecond, 1e-9)
	assert.InDelta(t, 5, got["events_b"].WritesPerSecond, 1e-9)
	assert.InDelta(t, 1, got["events_b"].ReadsPerSecond, 1e-9)
	assert.InDelta(t, 15, got["events"].WritesPerSecond, 1e-9)
	assert.InDelta(t, 3, got["events"].ReadsPerSecond, 1e-9)
	assert.Equal(t, int64(30), got["events"].Rows)
	assert.Equal(t, int64(3*8192), got["events"].HeapBytes)
	assert.Equal(t, &TableName{Schema: "public", Name: "events_b"}, got["events_b1"].PartitionOf)
	for _, name := range []string{"reset", "created"} {
		assert.False(t, got[name].RatesKnown(), name)
		assert.InDelta(t, Unknown, got[name].WritesPerSecond, 0, name)
	}

	// A partition whose rates are unknown makes its parents' unknown.
	second.rels[4].counters.inserted = 0
	got = map[string]Table{}
	for _, tb := range tables(first, second, 8192) {
		got[tb.Name] = tb
	}
	assert.False(t, got["events_b1"].RatesKnown())
	assert.False(t, got["events_b"].RatesKnown())
	assert.False(t, got["events"].RatesKnown())
	assert.True(t, got["events_a"].RatesKnown())
}
