package trace

import (
	"sort"
	"time"

	"github.com/pgsafe/pgsafe/internal/locks"
)

// Hold is one lock mode that the migration's backend held on one
// relation for a stretch of time: from the start of the statement that
// took it until the end of the last statement that ran while it was held
// (its transaction ended right after), for a timeline of the run.
type Hold struct {
	Relation string // "schema.name"
	Kind     string // "table", "index", "sequence", ...
	Mode     locks.Mode
	// From and To bound the time it was held. A lock that a statement
	// takes partway through is drawn from the statement's start.
	From, To time.Time
	// File and Statement index the statement that took it in
	// Result.Files and that file's Statements.
	File, Statement int
	// NewInFile reports that the file that took it created the relation:
	// until that file commits, no other session can wait for it.
	NewInFile bool
	// Sampled reports that the statement ran alone and its locks were
	// sampled: the lock is drawn over the whole statement.
	Sampled bool
}

// holdKey names an open hold.
type holdKey struct {
	oid  uint32
	mode locks.Mode
}

// holds follows the locks of a run over time: a lock is opened by the
// statement that takes it and closed when a later look at the backend's
// locks no longer finds it. Locks on relations that the statement itself
// created are left out: nobody else can wait for them.
type holds struct {
	done []Hold
	open map[holdKey]*Hold
	// lastEnd is when the latest statement that ran ended.
	lastEnd time.Time
}

func newHolds() *holds { return &holds{open: map[holdKey]*Hold{}} }

// release closes the open holds that still is without, at the end of the
// latest statement: their transaction ended after it. still nil means
// the backend holds no lock (it is outside any transaction block).
func (h *holds) release(still held) {
	for k, o := range h.open {
		if still[k.oid]&(1<<k.mode) == 0 {
			o.To = h.lastEnd
			h.done = append(h.done, *o)
			delete(h.open, k)
		}
	}
}

// take records that a statement of file and index statement, which ran
// from start to end, took modes on relation r. A sampled statement's
// locks end with it.
func (h *holds) take(r *relation, modes modeSet, newInFile bool, file, statement int, start, end time.Time, sampled bool) {
	for m := locks.AccessShare; m <= locks.AccessExclusive; m++ {
		if modes&(1<<m) == 0 {
			continue
		}
		hd := Hold{Relation: r.name, Kind: kindName(r.kind), Mode: m, From: start, To: end,
			File: file, Statement: statement, NewInFile: newInFile, Sampled: sampled}
		k := holdKey{r.oid, m}
		if sampled || h.open[k] != nil {
			h.done = append(h.done, hd)
			continue
		}
		h.open[k] = &hd
	}
}

// ended notes that a statement ended at end.
func (h *holds) ended(end time.Time) {
	if end.After(h.lastEnd) {
		h.lastEnd = end
	}
}

// finish closes every hold still open, at the end of the latest
// statement, and returns all of them, earliest first.
func (h *holds) finish() []Hold {
	h.release(nil)
	out := h.done
	sortHolds(out)
	return out
}

// sortHolds orders holds by when they started, then by the statement
// that took them, the relation and the mode, strongest first.
func sortHolds(hs []Hold) {
	sort.Slice(hs, func(i, j int) bool {
		a, b := hs[i], hs[j]
		switch {
		case !a.From.Equal(b.From):
			return a.From.Before(b.From)
		case a.File != b.File:
			return a.File < b.File
		case a.Statement != b.Statement:
			return a.Statement < b.Statement
		case a.Relation != b.Relation:
			return a.Relation < b.Relation
		default:
			return a.Mode > b.Mode
		}
	})
}
