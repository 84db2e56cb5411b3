// Package stats holds a production snapshot: per table the size and the
// traffic of a live database, read from PostgreSQL's statistics views
// (`pgsafe stats`), so that lock findings can say how much a lock on a
// table would block, and for how long (`lint --stats`).
//
// A snapshot is a small JSON file meant to be committed beside the
// migrations. It holds no table data and no credentials: names, counts,
// sizes and rates only.
package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Format is the version of the snapshot's JSON layout. A snapshot of
// another format is refused with a message saying so.
const Format = 1

// Snapshot is what `pgsafe stats` read off one database.
type Snapshot struct {
	// Format is the layout version, Format.
	Format int `json:"format"`
	// TakenAt is when the second sample was read (UTC).
	TakenAt time.Time `json:"taken_at"`
	// ServerVersion is the server's version as it reports it
	// (server_version, e.g. "15.18"); ServerVersionNum its number
	// (server_version_num, e.g. 150018).
	ServerVersion    string `json:"server_version"`
	ServerVersionNum int    `json:"server_version_num"`
	// Database is the name of the database the snapshot was read from.
	Database string `json:"database"`
	// SampleSeconds is the time between the two samples whose difference
	// gives the rates.
	SampleSeconds float64 `json:"sample_seconds"`
	// Tables are the database's ordinary and partitioned tables (not the
	// system catalogs), sorted by schema and name.
	Tables []Table `json:"tables"`
}

// Unknown is the value of a count or a rate that the snapshot does not
// know: Table.Rows, Table.WritesPerSecond and Table.ReadsPerSecond.
const Unknown = -1

// Table is one table's size and traffic.
type Table struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
	// PartitionOf names the partitioned table that this table is a
	// partition of; nil when it is not a partition. A partitioned table's
	// rows, bytes and rates are those of all its partitions together,
	// since a lock on it reaches them all: adding up a snapshot's tables
	// counts a partition twice unless those with PartitionOf are left out.
	PartitionOf *TableName `json:"partition_of,omitempty"`
	// MaterializedView reports a materialized view, whose figures are
	// those of its stored rows, as of its last refresh.
	MaterializedView bool `json:"materialized_view,omitempty"`
	// Rows is the planner's estimate of the row count: pg_class.reltuples
	// per page as the last VACUUM, ANALYZE or CREATE INDEX counted it,
	// times the pages the table has now, summed over partitions; Unknown
	// (-1) when the table has pages but was never analyzed or vacuumed,
	// and the count is unknown.
	Rows int64 `json:"rows"`
	// HeapBytes is the size of the table's heap (main fork, with its TOAST
	// table and the TOAST table's index), IndexBytes that of all its
	// indexes (every fork), in bytes.
	HeapBytes  int64 `json:"heap_bytes"`
	IndexBytes int64 `json:"index_bytes"`
	// Indexes are the table's indexes with their sizes, by name.
	Indexes []Index `json:"indexes,omitempty"`
	// WritesPerSecond is the rate of rows inserted, updated and deleted
	// (n_tup_ins + n_tup_upd + n_tup_del) between the two samples;
	// ReadsPerSecond the rate of scans (seq_scan + idx_scan). Both are
	// Unknown (-1) when the table's statistics were reset between the
	// samples, or the table was created between them.
	WritesPerSecond float64 `json:"writes_per_second"`
	ReadsPerSecond  float64 `json:"reads_per_second"`
}

// TableName is a table's schema and name.
type TableName struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
}

// RatesKnown reports whether the table's write and read rates are known
// (not Unknown).
func (t Table) RatesKnown() bool { return t.WritesPerSecond >= 0 && t.ReadsPerSecond >= 0 }

// Index is one index of a table.
type Index struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// TotalBytes is the table's heap and index bytes together.
func (t Table) TotalBytes() int64 { return t.HeapBytes + t.IndexBytes }

// Lookup returns the table schema.name, nil when the snapshot does not
// have it. An empty schema means "public". Names compare as PostgreSQL
// stores them (already folded to lower case unless quoted).
func (s *Snapshot) Lookup(schema, name string) *Table {
	if s == nil {
		return nil
	}
	if schema == "" {
		schema = "public"
	}
	for i := range s.Tables {
		if s.Tables[i].Schema == schema && s.Tables[i].Name == name {
			return &s.Tables[i]
		}
	}
	return nil
}

// Read decodes a snapshot from r; name is the file's name for messages.
// A JSON syntax error is reported at name:line:col; unknown fields and a
// format other than Format are errors.
func Read(r io.Reader, name string) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, positioned(name, data, err)
	}
	if s.Format != Format {
		return nil, fmt.Errorf("%s: snapshot format %d, this pgsafe reads format %d (take the snapshot again with this version's `pgsafe stats`)", name, s.Format, Format)
	}
	for i, t := range s.Tables {
		if t.Name == "" {
			return nil, fmt.Errorf("%s: tables[%d] has no name", name, i)
		}
	}
	return &s, nil
}

// Load reads the snapshot in the file at path.
func Load(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return Read(f, path)
}

// Write encodes s as indented JSON, ending in a newline.
func (s *Snapshot) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// positioned turns a JSON decoding error into one at name:line:col.
func positioned(name string, data []byte, err error) error {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset - 1 // the offset is past the offending byte
	case errors.As(err, &typ):
		offset = typ.Offset
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty file, not a snapshot", name)
	default:
	}
	if offset < 0 {
		return fmt.Errorf("%s: %w", name, err)
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := string(data[:offset])
	line := strings.Count(before, "\n") + 1
	col := len(before) - strings.LastIndex(before, "\n")
	return fmt.Errorf("%s:%d:%d: %w", name, line, col, err)
}
