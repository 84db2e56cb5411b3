// Package estimate says how long a lock finding would hold its lock on the
// production table that a snapshot (package stats) describes. It sits
// between the rules and the report: Apply reads the rules' findings, works
// out which operation each statement does to its table (an index build, a
// scan, a rewrite, a validation, an update or delete of every row, or a
// change of metadata only), prices it
// with a cost model calibrated on a real PostgreSQL, and puts the figures
// on each finding (rules.Impact). Findings whose only hazard is how long
// they block become hints when the estimate is below a threshold.
//
// The default cost model is model.json, the output of the calibration
// command (pgsafe calibrate) on the machine it names;
// docs/stats.md says how to calibrate one for other hardware.
package estimate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"time"
)

// Class is the kind of work a statement does to a table while it holds
// its lock, which decides how the time grows with the table.
type Class string

// The operation classes, from the cheapest.
const (
	// Unknown is work the model has no price for (refreshing a
	// materialized view concurrently, an UPDATE that a WHERE filters, a
	// DO block).
	Unknown Class = ""
	// Instant changes metadata only: renames, drops, a column without a
	// default or with a constant one, a constraint NOT VALID.
	Instant Class = "instant"
	// Validation is VALIDATE CONSTRAINT in a statement of its own: a scan
	// (or, for a foreign key, a join) under SHARE UPDATE EXCLUSIVE, which
	// blocks other schema changes, VACUUM and ANALYZE, not reads or
	// writes.
	Validation Class = "validation"
	// Scan reads the whole table under the statement's lock: a CHECK
	// added validated, SET NOT NULL, ATTACH PARTITION without a matching
	// constraint.
	Scan Class = "scan"
	// ForeignKeyCheck is a foreign key added validated: one query that
	// joins every row of the table to the table it references (an anti
	// join that reads both), under SHARE ROW EXCLUSIVE on both. Its time
	// grows with the referenced table's rows too (Size.ReferencedRows):
	// on PostgreSQL 15 a million referencing rows took 0.6 s against a
	// table of 2,000 rows and 7 to 10 s against one of 2 million.
	ForeignKeyCheck Class = "foreign-key-check"
	// IndexBuild reads and sorts the table to build an index: CREATE
	// INDEX, REINDEX, a UNIQUE, PRIMARY KEY or EXCLUDE constraint that
	// builds its index.
	IndexBuild Class = "index-build"
	// Rewrite writes a new copy of the table and rebuilds its indexes: a
	// column type change, a volatile default, VACUUM FULL, CLUSTER, SET
	// LOGGED or UNLOGGED, SET TABLESPACE; and the writing of a
	// materialized view's new contents by REFRESH (its query aside).
	Rewrite Class = "rewrite"
	// RowUpdates is an UPDATE of every row of the table, with no WHERE
	// that filters (whole-table-update-or-delete): it writes a new
	// version of every row, with its index entries and WAL, and holds a
	// lock on each row until its transaction ends.
	RowUpdates Class = "row-updates"
	// RowDeletes is a DELETE of every row (whole-table-update-or-delete):
	// it marks every row deleted, which writes far less than an update,
	// and holds a lock on each row until its transaction ends.
	RowDeletes Class = "row-deletes"
)

// Classes lists the classes the model prices, cheapest first.
var Classes = []Class{Instant, Validation, Scan, ForeignKeyCheck, IndexBuild, Rewrite, RowDeletes, RowUpdates}

// addedLater are the classes that a cost model written by an earlier
// pgsafe lacks. Such a model is still read: the findings of these
// classes get no estimate, and say to calibrate again.
var addedLater = map[Class]bool{RowDeletes: true, RowUpdates: true, ForeignKeyCheck: true}

// rank orders the classes by cost, for the strongest of a statement's.
func (c Class) rank() int {
	for i, k := range Classes {
		if k == c {
			return i + 1
		}
	}
	return 0
}

// Describe names the work for people ("index build").
func (c Class) Describe() string {
	switch c {
	case Instant:
		return "metadata only"
	case Validation:
		return "validation scan"
	case Scan:
		return "full table scan"
	case ForeignKeyCheck:
		return "foreign key check"
	case IndexBuild:
		return "index build"
	case Rewrite:
		return "table rewrite"
	case RowUpdates:
		return "update of every row"
	case RowDeletes:
		return "delete of every row"
	default:
		return "unknown work"
	}
}

// Sized reports whether the class's time grows with the table, so that a
// finding's severity may follow the estimate.
func (c Class) Sized() bool {
	return c == Validation || c == Scan || c == ForeignKeyCheck || c == IndexBuild || c == Rewrite || c == RowUpdates || c == RowDeletes
}

// Cost is the price of one class: a fixed part and parts that grow with
// the table's heap, its rows, its indexes and, for a foreign key check,
// the referenced table's rows. Every coefficient is in seconds and never
// negative.
type Cost struct {
	Seconds               float64 `json:"seconds"`
	SecondsPerHeapGB      float64 `json:"seconds_per_heap_gb"`
	SecondsPerMillionRows float64 `json:"seconds_per_million_rows"`
	// SecondsPerIndexGB prices rebuilding the table's indexes (rewrites
	// only).
	SecondsPerIndexGB float64 `json:"seconds_per_index_gb"`
	// SecondsPerMillionReferencedRows prices reading the table that a
	// foreign key references (foreign key checks only), per million of
	// the rows the check reads there (Size.ReferencedRead).
	SecondsPerMillionReferencedRows float64 `json:"seconds_per_million_referenced_rows,omitempty"`
	// SecondsPerMillionSpilledRows prices the rows of both tables that a
	// foreign key check passes through temporary files when the rows it
	// reads from the referenced table do not fit in one hash
	// (Size.Spilled; foreign key checks only).
	SecondsPerMillionSpilledRows float64 `json:"seconds_per_million_spilled_rows,omitempty"`
}

// Size is what the cost of an operation depends on.
type Size struct {
	Rows       int64 `json:"rows"`
	HeapBytes  int64 `json:"heap_bytes"`
	IndexBytes int64 `json:"index_bytes"`
	// ReferencedRows are the rows of the table that a foreign key
	// references, for a foreign key check; zero otherwise.
	ReferencedRows int64 `json:"referenced_rows,omitempty"`
}

const gb = 1 << 30

// ReferencedRead returns the rows of the referenced table that a foreign
// key check reads: all of them, but no more than the table it checks has.
// On PostgreSQL 15 the check of a table against a larger one reads the
// whole referenced table into a hash when the table is about as large
// (a million rows against a million: 2.9 s, against a thousand: 0.3 s),
// and probes the referenced table's index row by row when it is much
// smaller (ten thousand rows against a million: 45 ms).
func (s Size) ReferencedRead() int64 { return min(s.ReferencedRows, s.Rows) }

// hashRows is about how many keys of the referenced table fit in the hash
// of a foreign key check in PostgreSQL's default work_mem (4 MB).
const hashRows = 100_000

// Spilled returns the rows that a foreign key check passes through
// temporary files: when it reads more of the referenced table than fits
// in one hash (hashRows), PostgreSQL splits the hash join into batches
// written to disk, and the rows of both tables go through them (a
// million rows against a million: 0.6 s, against a thousand: 0.13 s;
// a hundred thousand against a hundred thousand still fit: 22 ms). A
// server with a larger work_mem spills later than this assumes.
func (s Size) Spilled() int64 {
	if read := s.ReferencedRead(); read > hashRows {
		return s.Rows + read
	}
	return 0
}

// Of returns the time the work takes on a table of size s.
func (c Cost) Of(s Size) time.Duration {
	sec := c.Seconds +
		c.SecondsPerHeapGB*float64(s.HeapBytes)/gb +
		c.SecondsPerMillionRows*float64(s.Rows)/1e6 +
		c.SecondsPerIndexGB*float64(s.IndexBytes)/gb +
		c.SecondsPerMillionReferencedRows*float64(s.ReferencedRead())/1e6 +
		c.SecondsPerMillionSpilledRows*float64(s.Spilled())/1e6
	return time.Duration(math.Round(sec * float64(time.Second)))
}

// Calibration says where and how a model was measured.
type Calibration struct {
	// At is when the calibration ran (UTC).
	At time.Time `json:"at"`
	// Machine describes the hardware: host name, CPU model and count.
	Machine string `json:"machine"`
	// Server is the PostgreSQL version, with the settings that change the
	// timing (fsync, shared_buffers, maintenance_work_mem).
	Server string `json:"server"`
	// Command is the command that produced the model.
	Command string `json:"command"`
}

// Point is one measurement the model was fitted to.
type Point struct {
	Class Class `json:"class"`
	Size
	// Shape names the seeded table ("narrow", "wide").
	Shape string `json:"shape"`
	// Seconds is the measured time the statement held its lock.
	Seconds float64 `json:"seconds"`
}

// ModelFormat is the version of the model's JSON layout.
const ModelFormat = 1

// Model prices every class.
type Model struct {
	Format      int            `json:"format"`
	Calibration Calibration    `json:"calibration"`
	Costs       map[Class]Cost `json:"costs"`
	// Points are the measurements the costs were fitted to, kept so that
	// a reader can judge the fit.
	Points []Point `json:"points,omitempty"`
}

// Estimate returns the time work of class c holds its lock on a table of
// size s, and false when the model has no price for c.
func (m *Model) Estimate(c Class, s Size) (time.Duration, bool) {
	if !m.Has(c) {
		return 0, false
	}
	return m.Costs[c].Of(s), true
}

// Has reports whether m has a price for work of class c: not for Unknown
// work, nor, in a model that an earlier pgsafe calibrated, for the
// classes added since.
func (m *Model) Has(c Class) bool {
	_, ok := m.Costs[c]
	return ok && c != Unknown
}

//go:embed model.json
var defaultModel []byte

// Default returns the model calibrated on the machine that model.json
// names.
func Default() *Model {
	m, err := ReadModel(defaultModel, "model.json")
	if err != nil {
		panic("estimate: the embedded model.json: " + err.Error())
	}
	return m
}

// LoadModel reads a model written by the calibration command from the file
// at path.
func LoadModel(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadModel(data, path)
}

// LoadEarlier reads the model at path that an earlier calibration of the
// same server wrote, for its measurements (calibrate --add). Unlike
// LoadModel it takes a model without a cost for every class, as one
// written before a class existed: the new measurements price that class.
func LoadEarlier(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := decodeModel(data, path)
	if err != nil {
		return nil, err
	}
	for _, p := range m.Points {
		if p.Class.rank() == 0 {
			return nil, fmt.Errorf("%s: a measurement of unknown operation class %q (want %v)", path, p.Class, Classes)
		}
	}
	return m, nil
}

// decodeModel decodes a model of this format without checking its costs.
func decodeModel(data []byte, name string) (*Model, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Model
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: not a cost model: %w", name, err)
	}
	if m.Format != ModelFormat {
		return nil, fmt.Errorf("%s: cost model format %d, this pgsafe reads format %d (calibrate again)", name, m.Format, ModelFormat)
	}
	return &m, nil
}

// ReadModel decodes a model; name is the file's name for messages.
func ReadModel(data []byte, name string) (*Model, error) {
	m, err := decodeModel(data, name)
	if err != nil {
		return nil, err
	}
	for _, c := range Classes {
		cost, ok := m.Costs[c]
		if !ok && addedLater[c] {
			continue
		}
		if !ok {
			return nil, fmt.Errorf("%s: the cost model has no cost for %q (calibrate again with this pgsafe)", name, c)
		}
		if cost.Seconds < 0 || cost.SecondsPerHeapGB < 0 || cost.SecondsPerMillionRows < 0 || cost.SecondsPerIndexGB < 0 || cost.SecondsPerMillionReferencedRows < 0 {
			return nil, fmt.Errorf("%s: the cost of %q has a negative coefficient", name, c)
		}
	}
	for c := range m.Costs {
		if c.rank() == 0 {
			return nil, fmt.Errorf("%s: unknown operation class %q (want %v)", name, c, Classes)
		}
	}
	return m, nil
}

// Write encodes m as indented JSON ending in a newline.
func (m *Model) Write() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
