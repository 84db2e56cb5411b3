// Package timeline draws what a trace recorded as a self-contained HTML
// page: for each run of migrations, one row per table with a bar for each
// lock mode held on it over time, each statement marked on the time axis,
// and, when a probe wrote to the tables meanwhile, the writer's stalls
// under it. The page has no external scripts, fonts or styles.
//
// layout.go turns a run into positions on the page; html.go writes them
// with html/template, which escapes everything that comes from SQL.
package timeline

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/trace"
)

// Run is one run of migrations to draw.
type Run struct {
	// Name says which run it is ("original", "rewrite"); "" for a lone
	// trace.
	Name string
	// Trace is what the trace recorded.
	Trace *trace.Result
}

// The time axis gives each statement a slot: at least minSlot percent of
// the width (less when there are many statements), so that a brief one
// stays visible and can be pointed at, and beyond that a share of the
// rest as large as its share of the statements' time. Within a slot, time
// runs evenly. pgsafe's own work between statements (reading the catalog
// and pg_locks, seeding tables between files) is left out of the axis.
const (
	minSlot      = 4.0
	minSlotTotal = 40.0
	// minWidth is the narrowest a bar or a wait is drawn, in percent.
	minWidth = 0.4
)

// runView is a run laid out.
type runView struct {
	ID, Name   string
	Server     string
	Model      int
	RolledBack bool
	Statements []slot
	// Total is the statements' time, for people.
	Total  string
	Rows   []row
	Probed bool
	Stalls []stall
	// Outside counts the writer's waits that fell outside the
	// statements' time, which the page leaves out.
	Outside int
}

// slot is a statement on the time axis.
type slot struct {
	N        int
	ID       string
	Path     string
	Line     int
	SQL      string
	Excerpt  string
	Capture  string
	Note     string
	Ran      bool
	Duration string
	StartMS  float64
	Left     float64
	Width    float64

	start, end time.Time
}

// row is one relation's locks.
type row struct {
	Relation  string
	Kind      string
	NewInFile bool
	Lanes     []lane
	// BlocksWrites and BlocksReads sum the time the relation was held
	// under a lock that blocks writes, and reads; "" when never.
	BlocksWrites, BlocksReads string
}

// lane holds the bars of one lock mode on a relation.
type lane struct {
	Mode  string
	Class string
	Bars  []bar
}

// bar is one stretch of time a mode was held.
type bar struct {
	Mode        string
	Class       string
	Blocks      string
	Statement   int
	FromMS      float64
	ToMS        float64
	Left, Width float64
	NewInFile   bool
	Sampled     bool
	Title       string
}

// stall is what the writes to one table saw.
type stall struct {
	Table     string
	Writes    int
	Longest   string
	LongestMS float64
	Err       string
	Waits     []wait
}

// wait is one write that took long.
type wait struct {
	StartMS, MS float64
	Left, Width float64
	Blocked     bool
	Title       string
}

// layout places run r, the page's index-th run, on the page.
func layout(index int, r Run) runView {
	v := runView{ID: fmt.Sprintf("run%d", index+1), Name: r.Name}
	if v.Name == "" {
		v.Name = "trace"
	}
	res := r.Trace
	if res == nil {
		return v
	}
	v.Server, v.Model, v.RolledBack = res.Server, res.ModelVersion, res.RolledBack
	v.Statements = slots(res)
	ax := axis{slots: v.Statements}
	var total time.Duration
	for _, s := range v.Statements {
		total += s.end.Sub(s.start)
	}
	v.Total = trace.FormatDuration(total)
	v.Rows = rows(res, ax)
	if res.Load != nil {
		v.Probed = true
		v.Stalls, v.Outside = stalls(res.Load.Writes, ax)
	}
	return v
}

// slots lays the statements of res out on the axis, numbered from 1 in
// the order they ran.
func slots(res *trace.Result) []slot {
	var out []slot
	var total time.Duration
	for _, f := range res.Files {
		for _, st := range f.Statements {
			s := slot{N: len(out) + 1, Path: f.Path, Line: st.Line, SQL: st.SQL, Excerpt: excerpt(st.SQL),
				Capture: string(st.Capture), Note: st.Note, Ran: st.Capture != trace.CaptureSkipped}
			s.ID = fmt.Sprintf("stmt%d", s.N)
			if s.Ran {
				s.start, s.end = st.Start, st.Start.Add(st.Duration)
				s.Duration = trace.FormatDuration(st.Duration)
				total += st.Duration
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return out
	}
	least := minSlot
	if least*float64(len(out)) > minSlotTotal {
		least = minSlotTotal / float64(len(out))
	}
	rest := 100 - least*float64(len(out))
	var origin time.Time
	for _, s := range out {
		if s.Ran {
			origin = s.start
			break
		}
	}
	x := 0.0
	for i := range out {
		s := &out[i]
		share := 1 / float64(len(out))
		if total > 0 {
			share = float64(s.end.Sub(s.start)) / float64(total)
		}
		s.Left, s.Width = x, least+rest*share
		x += s.Width
		if s.Ran {
			s.StartMS = ms(s.start.Sub(origin))
		}
	}
	return out
}

// axis maps the wall-clock time of a run to a position, in percent.
type axis struct{ slots []slot }

// origin is when the first statement that ran started.
func (a axis) origin() time.Time {
	for _, s := range a.slots {
		if s.Ran {
			return s.start
		}
	}
	return time.Time{}
}

// span reports whether anything ran, and from when to when.
func (a axis) span() (from, to time.Time, ok bool) {
	for _, s := range a.slots {
		if !s.Ran {
			continue
		}
		if !ok {
			from, ok = s.start, true
		}
		to = s.end
	}
	return from, to, ok
}

// at returns the position of t: within the slot of the statement running
// at t, or at the end of the last statement that ended before it.
func (a axis) at(t time.Time) float64 {
	x := 0.0
	for _, s := range a.slots {
		if !s.Ran {
			continue
		}
		if t.Before(s.start) {
			return x
		}
		if !t.After(s.end) {
			d := s.end.Sub(s.start)
			if d <= 0 {
				return s.Left
			}
			return s.Left + s.Width*float64(t.Sub(s.start))/float64(d)
		}
		x = s.Left + s.Width
	}
	return x
}

// place returns the left and width of the stretch from..to, at least
// minWidth wide and inside the axis.
func (a axis) place(from, to time.Time) (left, width float64) {
	left, right := a.at(from), a.at(to)
	if right-left < minWidth {
		right = left + minWidth
	}
	if right > 100 {
		left, right = 100-(right-left), 100
	}
	return left, right - left
}

// rows groups the holds of res by relation, in the order they were first
// locked: every lock on a table, and the locks on other relations (an
// index, a sequence, a view) that block more than reads and writes of
// rows do.
func rows(res *trace.Result, ax axis) []row {
	origin := ax.origin()
	numbers := map[[2]int]int{}
	n := 0
	for fi, f := range res.Files {
		for si := range f.Statements {
			n++
			numbers[[2]int{fi, si}] = n
		}
	}
	byRel := map[string]*row{}
	var order []*row
	for _, h := range res.Holds {
		if !isTable(h.Kind) && h.Mode <= locks.RowExclusive {
			continue
		}
		r := byRel[h.Relation]
		if r == nil {
			r = &row{Relation: h.Relation, Kind: h.Kind, NewInFile: true}
			byRel[h.Relation] = r
			order = append(order, r)
		}
		r.NewInFile = r.NewInFile && h.NewInFile
		stmt := numbers[[2]int{h.File, h.Statement}]
		b := bar{Mode: h.Mode.String(), Class: modeClass(h.Mode), Blocks: blocks(h.Mode), Statement: stmt,
			FromMS: ms(h.From.Sub(origin)), ToMS: ms(h.To.Sub(origin)), NewInFile: h.NewInFile, Sampled: h.Sampled}
		b.Left, b.Width = ax.place(h.From, h.To)
		b.Title = barTitle(h, stmt)
		l := r.lane(h.Mode)
		l.Bars = append(l.Bars, b)
	}
	out := make([]row, 0, len(order))
	for _, r := range order {
		sort.Slice(r.Lanes, func(i, j int) bool { return modeRank(r.Lanes[i].Mode) > modeRank(r.Lanes[j].Mode) })
		w, rd := blockedTime(res.Holds, r.Relation)
		if w > 0 {
			r.BlocksWrites = trace.FormatDuration(w)
		}
		if rd > 0 {
			r.BlocksReads = trace.FormatDuration(rd)
		}
		out = append(out, *r)
	}
	return out
}

// lane returns the row's lane for mode, added when missing.
func (r *row) lane(m locks.Mode) *lane {
	for i := range r.Lanes {
		if r.Lanes[i].Mode == m.String() {
			return &r.Lanes[i]
		}
	}
	r.Lanes = append(r.Lanes, lane{Mode: m.String(), Class: modeClass(m)})
	return &r.Lanes[len(r.Lanes)-1]
}

func isTable(kind string) bool {
	switch kind {
	case "table", "partitioned table", "materialized view", "foreign table":
		return true
	default:
		return false
	}
}

// blockedTime sums the wall-clock time during which rel was held under a
// lock that blocks writes, and one that blocks reads: the union of the
// holds' stretches, so that two locks held at once count once.
func blockedTime(hs []trace.Hold, rel string) (writes, reads time.Duration) {
	var w, r []trace.Hold
	for _, h := range hs {
		if h.Relation != rel {
			continue
		}
		if h.Mode.BlocksWrites() {
			w = append(w, h)
		}
		if h.Mode.Blocks().Reads {
			r = append(r, h)
		}
	}
	return union(w), union(r)
}

// union returns the length of the union of the holds' stretches.
func union(hs []trace.Hold) time.Duration {
	sort.Slice(hs, func(i, j int) bool { return hs[i].From.Before(hs[j].From) })
	var sum time.Duration
	var from, to time.Time
	for i, h := range hs {
		switch {
		case i == 0:
			from, to = h.From, h.To
		case h.From.After(to):
			sum += to.Sub(from)
			from, to = h.From, h.To
		case h.To.After(to):
			to = h.To
		default:
		}
	}
	if len(hs) > 0 {
		sum += to.Sub(from)
	}
	return sum
}

// stalls lays out the probe's writes: the waits that overlap the
// statements' time, and how many do not.
func stalls(writes []probe.Result, ax axis) ([]stall, int) {
	from, to, ok := ax.span()
	origin := ax.origin()
	var out []stall
	outside := 0
	for _, w := range writes {
		s := stall{Table: w.Table, Writes: w.Writes, Longest: trace.FormatDuration(w.Longest), LongestMS: ms(w.Longest), Err: w.Err}
		for _, wt := range w.Waits {
			end := wt.Start.Add(wt.Took)
			if !ok || end.Before(from) || wt.Start.After(to) {
				outside++
				continue
			}
			v := wait{StartMS: ms(wt.Start.Sub(origin)), MS: ms(wt.Took), Blocked: wt.Took > probe.BlockedAfter}
			v.Left, v.Width = ax.place(wt.Start, end)
			v.Title = fmt.Sprintf("a write to %s waited %s, from %s into the run", w.Table, trace.FormatDuration(wt.Took), trace.FormatDuration(wt.Start.Sub(origin)))
			s.Waits = append(s.Waits, v)
		}
		out = append(out, s)
	}
	return out, outside
}

// modeClass is the CSS class that colours a mode.
func modeClass(m locks.Mode) string {
	return "m-" + strings.ToLower(strings.ReplaceAll(m.String(), " ", "-"))
}

// modeRank orders modes by name, strongest highest.
func modeRank(name string) int {
	m, _ := locks.ParseMode(name)
	return int(m)
}

// blocks says in a word or two what a mode blocks.
func blocks(m locks.Mode) string {
	if s := m.Stops(); s != "" {
		return s
	}
	return "nothing but ACCESS EXCLUSIVE"
}

func barTitle(h trace.Hold, stmt int) string {
	how := "until its transaction ended"
	if h.Sampled {
		how = "seen while it ran alone"
	}
	s := fmt.Sprintf("%s on %s, taken by statement %d, held %s (%s, %s): blocks %s",
		h.Mode, h.Relation, stmt, trace.FormatDuration(h.To.Sub(h.From)), how, h.Kind, blocks(h.Mode))
	if h.NewInFile {
		s += "; the file created the relation, so no other session could wait for it before the file committed"
	}
	return s
}

// excerptWidth is how much of a statement's text a mark shows.
const excerptWidth = 60

// excerpt is the start of sql on one line.
func excerpt(sql string) string {
	one := strings.Join(strings.Fields(sql), " ")
	r := []rune(one)
	if len(r) <= excerptWidth {
		return one
	}
	return string(r[:excerptWidth-1]) + "…"
}

func ms(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
}
