package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/seed"
	"github.com/pgsafe/pgsafe/internal/trace"
)

// TextOptions configure Text.
type TextOptions struct {
	// NoTiming leaves the probe's durations out, for output that must not
	// change from run to run.
	NoTiming bool
}

// sqlWidth is how much of a statement the text report shows.
const sqlWidth = 60

// Text writes the report: the schemas, the statements of the original
// that block writes while they scan, the rewrite's statements with the
// strongest lock each takes on a table that existed before, the probe's
// figures, and the verdict.
func Text(w io.Writer, r *Report, opts TextOptions) error {
	var b strings.Builder
	where := ""
	if r.Where != "" {
		where = " (" + r.Where + ")"
	}
	fmt.Fprintf(&b, "pgsafe fix --verify: PostgreSQL %s%s", r.Server, where)
	if r.SeedRows > 0 {
		fmt.Fprintf(&b, ", %d rows per table", r.SeedRows)
	}
	b.WriteString("\n")
	if r.SeedRows > 0 {
		fmt.Fprintf(&b, "seeded %d table(s)", len(r.Seeded.Filled))
		for _, s := range r.Seeded.Skipped {
			fmt.Fprintf(&b, "; skipped %s: %s", pgast.DisplayName(s.Table), s.Reason)
		}
		b.WriteString("\n")
	}
	if r.OriginalFails != "" {
		fmt.Fprintf(&b, "original: fails as its framework runs it (%s); compared with its statements run one at a time\n", r.OriginalFails)
	}
	switch {
	case r.OriginalErr != "":
		fmt.Fprintf(&b, "original: fails: %s\n", r.OriginalErr)
	case r.RewriteErr != "":
		fmt.Fprintf(&b, "rewrite: fails: %s\n", r.RewriteErr)
	case r.SchemaDiff == "" && len(r.ColumnOrder) > 0:
		b.WriteString("schemas: the same (pg_dump --schema-only), but for the order of columns, which a rewrite through a new column adds last:\n")
		for _, c := range r.ColumnOrder {
			b.WriteString("  " + c + "\n")
		}
	case r.SchemaDiff == "":
		b.WriteString("schemas: the same (pg_dump --schema-only)\n")
	default:
		b.WriteString("schemas: they differ (pg_dump --schema-only):\n" + indent(r.SchemaDiff))
	}

	for _, p := range r.Refused {
		fmt.Fprintf(&b, "rewrite: the migration tool refuses %s: %s\n", p.Path, p.Message)
	}
	if rb := r.Rollback; rb != nil {
		switch {
		case rb.Err != "":
			fmt.Fprintf(&b, "rollback: fails at %s\n", rb.Err)
		case rb.Diff != "":
			fmt.Fprintf(&b, "rollback: after rolling back %s, the schemas differ:\n%s", rb.Version, indent(rb.Diff))
		default:
			fmt.Fprintf(&b, "rollback: %d version(s) rolled back one at a time, %d of them with a down migration of their own: the same schemas after each\n", rb.Steps, rb.Versions)
		}
		if rb.OriginalStops != "" {
			fmt.Fprintf(&b, "rollback: stopped where the original's own rollback fails, at %s\n", rb.OriginalStops)
		}
	}

	for _, o := range r.ServerObjects {
		fmt.Fprintf(&b, "server: %s\n", o)
	}

	fmt.Fprintf(&b, "\noriginal: %d statement(s) block writes while they scan or rewrite a table\n", len(r.Original))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, st := range r.Original {
		fmt.Fprintf(tw, "  %s:%d\t%s\t%s %s\t%s\n", st.Path, st.Line, shorten(st.SQL), pgast.DisplayName(st.Table), st.Mode, effect(st))
	}
	_ = tw.Flush()

	b.WriteString("\nrewrite: the strongest lock that each statement of the changed files holds on a table that existed before\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	quiet := 0
	for _, st := range r.Rewrite {
		if st.Table == "" {
			quiet++
			continue
		}
		fmt.Fprintf(tw, "  %s:%d\t%s\t%s %s\t%s\t%s\n", st.Path, st.Line, shorten(st.SQL), pgast.DisplayName(st.Table), st.Mode, effect(st), verdict(st))
	}
	_ = tw.Flush()
	if quiet > 0 {
		fmt.Fprintf(&b, "  (%d more statement(s) lock no table that existed before)\n", quiet)
	}

	if len(r.Writes) > 0 {
		b.WriteString("\nlongest single-row write during the run, original → rewrite:\n")
		for _, wr := range r.Writes {
			if opts.NoTiming {
				fmt.Fprintf(&b, "  writes to %s blocked for … → …\n", pgast.DisplayName(wr.Table))
				continue
			}
			fmt.Fprintf(&b, "  writes to %s blocked for %s → %s\n", pgast.DisplayName(wr.Table), trace.FormatDuration(wr.Original), trace.FormatDuration(wr.Rewrite))
		}
	}

	if fails := r.Failures(); len(fails) > 0 {
		b.WriteString("\nverify: FAILED\n")
		for _, f := range fails {
			b.WriteString("  " + f + "\n")
		}
	} else {
		b.WriteString("\nverify: ok: the same schema, and no statement of the rewrite blocks writes while it scans a table\n")
		if r.Rollback == nil {
			b.WriteString("  (down migrations were left out, so the rollback was not checked)\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func effect(st Statement) string {
	var parts []string
	for _, t := range st.Rewritten {
		parts = append(parts, "rewrites "+pgast.DisplayName(t))
	}
	for _, t := range st.Scanned {
		parts = append(parts, "scans "+pgast.DisplayName(t))
	}
	if len(parts) == 0 {
		return "no scan"
	}
	return strings.Join(parts, ", ")
}

func verdict(st Statement) string {
	switch {
	case !st.Blocks:
		return "ok"
	case st.Written:
		return "BLOCKS WRITES"
	default:
		return "blocks writes (left as it was)"
	}
}

func shorten(sql string) string {
	s := normalise(sql)
	if r := []rune(s); len(r) > sqlWidth {
		return string(r[:sqlWidth-1]) + "…"
	}
	return s
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("  " + line)
	}
	return b.String() + "\n"
}

// jsonReport is the JSON form of a Report.
type jsonReport struct {
	OK            bool            `json:"ok"`
	Failures      []string        `json:"failures"`
	Server        string          `json:"server"`
	SeedRows      int             `json:"seed_rows"`
	Seeded        []seed.Filled   `json:"seeded"`
	Skipped       []seed.Skipped  `json:"seed_skipped"`
	OriginalFails string          `json:"original_fails,omitempty"`
	OriginalErr   string          `json:"original_error,omitempty"`
	RewriteErr    string          `json:"rewrite_error,omitempty"`
	SchemaDiff    string          `json:"schema_diff"`
	ColumnOrder   []string        `json:"column_order"`
	Original      []jsonStatement `json:"original"`
	Rewrite       []jsonStatement `json:"rewrite"`
	Writes        []jsonWrites    `json:"writes"`
	Refused       []jsonRefused   `json:"refused"`
	Rollback      *jsonRollback   `json:"rollback"`
	ServerObjects []string        `json:"server_objects"`
}

type jsonRefused struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// jsonRollback is the rollback's outcome; null when it did not run.
type jsonRollback struct {
	Steps    int    `json:"steps"`
	Versions int    `json:"versions_with_down"`
	Error    string `json:"error,omitempty"`
	Version  string `json:"differs_after,omitempty"`
	Diff     string `json:"diff,omitempty"`
	// OriginalStops is the original's own rollback error that stopped it.
	OriginalStops string `json:"original_stops,omitempty"`
}

type jsonStatement struct {
	Path      string   `json:"path"`
	Line      int      `json:"line"`
	SQL       string   `json:"sql"`
	Table     string   `json:"table,omitempty"`
	Mode      string   `json:"mode,omitempty"`
	Scanned   []string `json:"scanned"`
	Rewritten []string `json:"rewritten"`
	Blocks    bool     `json:"blocks_writes"`
	Written   bool     `json:"written_by_fix"`
}

type jsonWrites struct {
	Table          string  `json:"table"`
	OriginalMS     float64 `json:"original_longest_ms"`
	RewriteMS      float64 `json:"rewrite_longest_ms"`
	OriginalWrites int     `json:"original_writes"`
	RewriteWrites  int     `json:"rewrite_writes"`
	// OriginalBlocked and RewriteBlocked count writes over 100 ms.
	OriginalBlocked int `json:"original_blocked"`
	RewriteBlocked  int `json:"rewrite_blocked"`
}

// MarshalJSON gives the report's JSON form.
func (r *Report) MarshalJSON() ([]byte, error) {
	out := jsonReport{
		OK: r.OK(), Failures: append([]string{}, r.Failures()...), Server: r.Server, SeedRows: r.SeedRows,
		Seeded: append([]seed.Filled{}, r.Seeded.Filled...), Skipped: append([]seed.Skipped{}, r.Seeded.Skipped...), OriginalFails: r.OriginalFails, OriginalErr: r.OriginalErr, RewriteErr: r.RewriteErr,
		SchemaDiff: r.SchemaDiff, ColumnOrder: append([]string{}, r.ColumnOrder...), Original: jsonStatements(r.Original), Rewrite: jsonStatements(r.Rewrite), Writes: []jsonWrites{},
		ServerObjects: append([]string{}, r.ServerObjects...),
	}
	out.Refused = []jsonRefused{}
	for _, p := range r.Refused {
		out.Refused = append(out.Refused, jsonRefused{p.Path, p.Message})
	}
	if rb := r.Rollback; rb != nil {
		out.Rollback = &jsonRollback{Steps: rb.Steps, Versions: rb.Versions, Error: rb.Err, Version: rb.Version, Diff: rb.Diff, OriginalStops: rb.OriginalStops}
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for _, w := range r.Writes {
		out.Writes = append(out.Writes, jsonWrites{w.Table, ms(w.Original), ms(w.Rewrite), w.OriginalWrites, w.RewriteWrites, w.OriginalBlocked, w.RewriteBlocked})
	}
	return json.Marshal(out)
}

func jsonStatements(sts []Statement) []jsonStatement {
	out := []jsonStatement{}
	for _, st := range sts {
		j := jsonStatement{Path: st.Path, Line: st.Line, SQL: st.SQL, Table: st.Table, Scanned: append([]string{}, st.Scanned...),
			Rewritten: append([]string{}, st.Rewritten...), Blocks: st.Blocks, Written: st.Written}
		if st.Table != "" {
			j.Mode = st.Mode.String()
		}
		out = append(out, j)
	}
	return out
}
