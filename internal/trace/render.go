package trace

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/seed"
)

// TextOptions configure Text.
type TextOptions struct {
	// Where describes the server, such as "an ephemeral cluster".
	Where string
	// NoTiming leaves durations out, for output that must not change from
	// run to run.
	NoTiming bool
}

// statementWidth is how much of a statement's first line the text table
// shows.
const statementWidth = 52

// Text writes the trace as a table per file: each statement with its
// duration and one row per relation that existed before it and that it
// locked, with the lock, what the model says, and whether the statement
// rewrote or scanned the table. Locks on relations the statement created
// are counted, not listed: nobody else can wait for them.
func Text(w io.Writer, r *Result, opts TextOptions) error {
	ew := &errWriter{w: w}
	where := ""
	if opts.Where != "" {
		where = " (" + opts.Where + ")"
	}
	ew.printf("pgsafe trace: PostgreSQL %s%s; locks compared with the model for PostgreSQL %d\n", r.Server, where, r.ModelVersion)
	if r.RolledBack {
		ew.printf("Everything ran in one transaction, rolled back at the end: the database is unchanged.\n")
	}
	for _, f := range r.Files {
		ew.printf("\n%s (%s, %s)\n", f.Path, f.Tool.Name, f.Run)
		var table strings.Builder
		tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
		header := "  LINE\tSTATEMENT\tTIME\tRELATION\tLOCK\tMODEL\tNOTE\n"
		if opts.NoTiming {
			header = strings.Replace(header, "TIME\t", "", 1)
		}
		fmt.Fprint(tw, header)
		for _, st := range f.Statements {
			for i, row := range statementRows(st) {
				lead := fmt.Sprintf("  %d\t%s\t", st.Line, shorten(oneLine(st.SQL), statementWidth))
				if !opts.NoTiming {
					lead += duration(st) + "\t"
				}
				if i > 0 {
					lead = "  \t\t"
					if !opts.NoTiming {
						lead += "\t"
					}
				}
				fmt.Fprint(tw, lead+row+"\n")
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		ew.printf("%s", trimLines(table.String()))
	}
	if r.Load != nil {
		ew.printf("\n%d rows per table: seeded %d table(s)", r.Load.Rows, len(r.Load.Seeded.Filled))
		for _, s := range r.Load.Seeded.Skipped {
			ew.printf("; skipped %s: %s", pgast.DisplayName(s.Table), s.Reason)
		}
		ew.printf("\nwrites during the run (a single-row update of each table the migrations lock, again and again):\n")
		for _, w := range r.Load.Writes {
			ew.printf("  %s\n", writesLine(w, opts.NoTiming))
		}
	}
	ew.printf("\n%s\n", summary(r))
	return ew.err
}

// writesLine says what the writes to one table saw: how long the longest
// waited and how many waited past probe.BlockedAfter; without timing
// (noTiming), only whether any write went through.
func writesLine(w probe.Result, noTiming bool) string {
	line := "writes to " + pgast.DisplayName(w.Table)
	switch {
	case w.Writes == 0:
		line += ": none changed a row (the table may have stayed empty)"
	case noTiming:
		line += ": written"
	default:
		line += fmt.Sprintf(" waited up to %s (%d of %d over %s)", FormatDuration(w.Longest), w.Blocked, w.Writes, FormatDuration(probe.BlockedAfter))
	}
	if w.Err != "" {
		line += "; last error: " + w.Err
	}
	return line
}

// statementRows returns the RELATION, LOCK, MODEL and NOTE cells of a
// statement's rows, at least one. ACCESS SHARE locks on indexes and
// sequences, which block only ACCESS EXCLUSIVE, are left to the JSON.
func statementRows(st *Statement) []string {
	if st.Capture == CaptureSkipped {
		return []string{"-\t\t\tnot run: " + st.Note}
	}
	scans := map[string]Scan{}
	for _, s := range st.Scans {
		scans[s.Relation] = s
	}
	mismatched := map[string]bool{}
	for _, m := range st.Mismatches {
		mismatched[m.Relation] = true
	}
	var rows []string
	row := func(rel, lock, model string, newInFile bool) {
		var notes []string
		if s, ok := scans[rel]; ok {
			notes = append(notes, scanNote(s))
			delete(scans, rel)
		}
		if newInFile {
			notes = append(notes, "created earlier in this file")
		}
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s", pgast.DisplayName(rel), lock, model, strings.Join(notes, "; ")))
	}
	created := 0
	for _, l := range st.Locks {
		switch {
		case l.New:
			created++
		case mismatched[l.Relation]:
			row(l.Relation, l.Mode.String(), "MISMATCH: predicts "+orNone(l.Model), l.NewInFile)
		case l.Mode > locks.AccessShare || l.Kind == "table" || l.Kind == "partitioned table" || scans[l.Relation].Relation != "":
			row(l.Relation, l.Mode.String(), "ok", l.NewInFile)
		default:
		}
	}
	// Tables read or rewritten under a lock that an earlier statement of
	// the transaction took.
	for _, s := range st.Scans {
		if _, ok := scans[s.Relation]; ok {
			row(s.Relation, "("+s.Held.String()+" held)", "", s.NewInFile)
		}
	}
	var notes []string
	if created > 0 {
		notes = append(notes, fmt.Sprintf("locks on %d relation(s) it created", created))
	}
	if st.Capture == CaptureSampled {
		notes = append(notes, "ran alone: locks sampled from a second connection")
	}
	if st.Note != "" {
		notes = append(notes, st.Note)
	}
	if len(notes) > 0 || len(rows) == 0 {
		rows = append(rows, "-\t\t\t"+strings.Join(notes, "; "))
	}
	return rows
}

func scanNote(s Scan) string {
	if s.Rewritten {
		return "rewrote the table"
	}
	return "scanned the table"
}

// summary says how many statements ran and what stood out.
func summary(r *Result) string {
	var stmts, skipped, mismatches, rewrites int
	for _, f := range r.Files {
		for _, st := range f.Statements {
			stmts++
			if st.Capture == CaptureSkipped {
				skipped++
			}
			mismatches += len(st.Mismatches)
			for _, s := range st.Scans {
				if s.Rewritten && !s.NewInFile {
					rewrites++
				}
			}
		}
	}
	s := fmt.Sprintf("%d statements in %d files: %d table rewrites, %d model mismatches", stmts, len(r.Files), rewrites, mismatches)
	if skipped > 0 {
		s += fmt.Sprintf(", %d not run", skipped)
	}
	return s
}

// duration formats a statement's time for people.
func duration(st *Statement) string {
	if st.Capture == CaptureSkipped {
		return "-"
	}
	return FormatDuration(st.Duration)
}

// FormatDuration formats d with two significant figures or so: "0.4 ms",
// "12 ms", "2.1 s".
func FormatDuration(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	case ms < 1000:
		return fmt.Sprintf("%.0f ms", ms)
	default:
		return fmt.Sprintf("%.1f s", ms/1000)
	}
}

// shorten cuts s to n runes, ending it with "…" when cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// JSON writes the trace as one JSON document.
func JSON(w io.Writer, r *Result) error {
	type jsonLock struct {
		Relation  string `json:"relation"`
		Kind      string `json:"kind"`
		Mode      string `json:"mode"`
		New       bool   `json:"new"`
		NewInFile bool   `json:"new_in_file"`
		Model     string `json:"model,omitempty"`
	}
	type jsonScan struct {
		Relation  string `json:"relation"`
		Rewritten bool   `json:"rewritten"`
		Scanned   bool   `json:"scanned"`
		Held      string `json:"held"`
		NewInFile bool   `json:"new_in_file"`
	}
	type jsonMismatch struct {
		Relation string `json:"relation"`
		Took     string `json:"took"`
		Model    string `json:"model"`
	}
	type jsonStatement struct {
		Line       int            `json:"line"`
		SQL        string         `json:"sql"`
		Capture    Capture        `json:"capture"`
		Note       string         `json:"note,omitempty"`
		DurationMS float64        `json:"duration_ms"`
		Locks      []jsonLock     `json:"locks"`
		Scans      []jsonScan     `json:"scans"`
		Mismatches []jsonMismatch `json:"mismatches"`
	}
	type jsonFile struct {
		Path       string          `json:"path"`
		Framework  string          `json:"framework"`
		Mode       string          `json:"mode"`
		Statements []jsonStatement `json:"statements"`
	}
	type jsonWrites struct {
		Table     string  `json:"table"`
		Writes    int     `json:"writes"`
		LongestMS float64 `json:"longest_ms"`
		Blocked   int     `json:"blocked"`
		Error     string  `json:"error,omitempty"`
	}
	type jsonLoad struct {
		Rows    int            `json:"rows"`
		Seeded  []seed.Filled  `json:"seeded"`
		Skipped []seed.Skipped `json:"seed_skipped"`
		Writes  []jsonWrites   `json:"writes"`
	}
	out := struct {
		Server       string     `json:"server"`
		ModelVersion int        `json:"model_version"`
		RolledBack   bool       `json:"rolled_back"`
		Files        []jsonFile `json:"files"`
		// Load is there only when the run carried one.
		Load *jsonLoad `json:"load,omitempty"`
	}{Server: r.Server, ModelVersion: r.ModelVersion, RolledBack: r.RolledBack, Files: []jsonFile{}}
	if r.Load != nil {
		out.Load = &jsonLoad{Rows: r.Load.Rows, Seeded: append([]seed.Filled{}, r.Load.Seeded.Filled...),
			Skipped: append([]seed.Skipped{}, r.Load.Seeded.Skipped...), Writes: []jsonWrites{}}
		for _, w := range r.Load.Writes {
			out.Load.Writes = append(out.Load.Writes, jsonWrites{w.Table, w.Writes, float64(w.Longest) / float64(time.Millisecond), w.Blocked, w.Err})
		}
	}
	for _, f := range r.Files {
		jf := jsonFile{Path: f.Path, Framework: f.Tool.Name, Mode: f.Run.String(), Statements: []jsonStatement{}}
		for _, st := range f.Statements {
			js := jsonStatement{
				Line: st.Line, SQL: st.SQL, Capture: st.Capture, Note: st.Note,
				DurationMS: float64(st.Duration) / float64(time.Millisecond),
				Locks:      []jsonLock{}, Scans: []jsonScan{}, Mismatches: []jsonMismatch{},
			}
			for _, l := range st.Locks {
				js.Locks = append(js.Locks, jsonLock{l.Relation, l.Kind, l.Mode.String(), l.New, l.NewInFile, l.Model.String()})
			}
			for _, s := range st.Scans {
				js.Scans = append(js.Scans, jsonScan{s.Relation, s.Rewritten, s.Scanned, s.Held.String(), s.NewInFile})
			}
			for _, m := range st.Mismatches {
				js.Mismatches = append(js.Mismatches, jsonMismatch{m.Relation, m.Took.String(), orNone(m.Model)})
			}
			jf.Statements = append(jf.Statements, js)
		}
		out.Files = append(out.Files, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	_, _ = fmt.Fprintf(e, format, args...)
}

// trimLines removes the spaces that a table's empty last cells leave at
// the end of its lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}
