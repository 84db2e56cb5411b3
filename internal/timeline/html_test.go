package timeline_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/timeline"
	"github.com/pgsafe/pgsafe/internal/trace"
)

// hostile is SQL text and a table name that would break out of the page
// if they were written unescaped.
const (
	hostileSQL   = `CREATE INDEX "</script><b>x" ON orders (id) -- </script><b>bold</b><script>alert(1)</script>`
	hostileTable = `public."<img src=x onerror=alert(1)>"`
)

// fixedRun is a trace recorded by hand: a file that creates orders, a
// second that indexes it (SHARE, 100 ms) and adds a column (ACCESS
// EXCLUSIVE) in one transaction, and a statement that did not run.
func fixedRun(t0 time.Time) timeline.Run {
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	stmt := func(sql string, line int, from, took float64) *trace.Statement {
		return &trace.Statement{Line: line, SQL: sql, Capture: trace.CaptureTransaction, Start: at(from), Duration: time.Duration(took * float64(time.Millisecond))}
	}
	res := &trace.Result{Server: "15.14", ServerMajor: 15, ModelVersion: 15, Files: []*trace.File{
		{Path: "db/1_create.up.sql", Start: at(0), Statements: []*trace.Statement{
			stmt("CREATE TABLE orders (id bigint)", 1, 0, 1),
		}},
		{Path: "db/2_change.up.sql", Start: at(500), Statements: []*trace.Statement{
			stmt(hostileSQL, 1, 510, 100),
			stmt("ALTER TABLE orders ADD COLUMN note text", 2, 615, 1),
			stmt("ALTER TABLE "+hostileTable+" ADD COLUMN x int", 3, 620, 2),
			{Line: 4, SQL: "VACUUM orders", Capture: trace.CaptureSkipped, Note: "it cannot run in a transaction block"},
		}},
	}}
	res.Holds = []trace.Hold{
		{Relation: "public.orders", Kind: "table", Mode: locks.Share, From: at(510), To: at(622), File: 1, Statement: 0},
		{Relation: "public.orders", Kind: "table", Mode: locks.AccessExclusive, From: at(615), To: at(622), File: 1, Statement: 1},
		{Relation: "public.orders_pkey", Kind: "index", Mode: locks.AccessShare, From: at(615), To: at(622), File: 1, Statement: 1},
		{Relation: hostileTable, Kind: "table", Mode: locks.AccessExclusive, From: at(620), To: at(622), File: 1, Statement: 2, NewInFile: true},
	}
	writes := []probe.Result{{Table: "public.orders", Writes: 40, Longest: 95 * time.Millisecond, Waits: []probe.Wait{
		{Start: at(512), Took: 95 * time.Millisecond},
		{Start: at(-300), Took: 20 * time.Millisecond}, // while seeding, before the first statement
	}}}
	res.Load = &trace.Load{Rows: 1000, Writes: writes}
	return timeline.Run{Name: "original", Trace: res}
}

func render(t *testing.T, p timeline.Page) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, timeline.HTML(&b, p))
	return b.String()
}

// TestHTMLStructure checks the rows, bars, marks and stalls that a fixed
// trace gives.
func TestHTMLStructure(t *testing.T) {
	page := render(t, timeline.Page{Title: "pgsafe fix --verify db", Where: "an ephemeral cluster", Runs: []timeline.Run{fixedRun(time.Now())}})
	es := elements(page)

	var rows []string
	for _, e := range withClass(es, "lockrow") {
		rows = append(rows, e.Attrs["data-relation"])
	}
	// The index's ACCESS SHARE blocks only ACCESS EXCLUSIVE: no row.
	assert.Equal(t, []string{"public.orders", hostileTable}, rows)

	type barKey struct{ mode, statement, from, to string }
	var bars []barKey
	for _, e := range withClass(es, "bar") {
		bars = append(bars, barKey{e.Attrs["data-mode"], e.Attrs["data-statement"], e.Attrs["data-from-ms"], e.Attrs["data-to-ms"]})
	}
	assert.Equal(t, []barKey{
		{"ACCESS EXCLUSIVE", "3", "615", "622"},
		{"SHARE", "2", "510", "622"},
		{"ACCESS EXCLUSIVE", "4", "620", "622"},
	}, bars, "lanes strongest first; times from the first statement's start")

	marks := withClass(es, "mark")
	require.Len(t, marks, 5, "one mark per statement, the one not run too")
	assert.Equal(t, "2", marks[1].Attrs["data-statement"])
	assert.Equal(t, "db/2_change.up.sql", marks[1].Attrs["data-file"])
	assert.Contains(t, marks[1].Attrs["title"], hostileSQL, "the tooltip holds the whole statement")
	assert.Equal(t, "skipped", marks[4].Attrs["data-capture"])
	assert.True(t, marks[4].hasClass("skipped"))

	// Slots: the 100 ms index build gets most of the width, and the
	// slots cover the axis once.
	total := 0.0
	var widths []float64
	for _, m := range marks {
		w := styleNumber(t, m.Attrs["style"], "width")
		widths = append(widths, w)
		total += w
	}
	assert.InDelta(t, 100, total, 0.01)
	assert.Greater(t, widths[1], 50.0)
	for _, w := range widths {
		assert.GreaterOrEqual(t, w, 4.0)
	}

	stalls := withClass(es, "stall")
	require.Len(t, stalls, 1)
	assert.Equal(t, "public.orders", stalls[0].Attrs["data-stall-table"])
	waits := withClass(es, "wait")
	require.Len(t, waits, 1, "the wait while seeding is left out")
	assert.Equal(t, "95", waits[0].Attrs["data-ms"])
	assert.Equal(t, "512", waits[0].Attrs["data-start-ms"])
	assert.Contains(t, page, "1 such write(s) outside the statements' time are left out")

	// The wait lies within statement 2's slot.
	left := styleNumber(t, waits[0].Attrs["style"], "left")
	m2 := styleNumber(t, marks[1].Attrs["style"], "left")
	assert.InDelta(t, m2+widths[1]*0.02, left, 0.01)
}

// TestHTMLEscapesSQL checks that SQL and names cannot add markup.
func TestHTMLEscapesSQL(t *testing.T) {
	page := render(t, timeline.Page{Title: "pgsafe trace </title><script>alert(1)</script>", Runs: []timeline.Run{fixedRun(time.Now())}})
	assert.NotContains(t, page, "<script")
	assert.NotContains(t, page, "</script><b>")
	assert.NotContains(t, page, "<img")
	assert.NotContains(t, page, "<b>bold")
	assert.Contains(t, page, "&lt;/script&gt;&lt;b&gt;")
	for _, e := range elements(page) {
		assert.NotEqual(t, "script", e.Name)
		assert.NotEqual(t, "img", e.Name)
		for name := range e.Attrs {
			assert.False(t, strings.HasPrefix(name, "on"), "event handler %s on <%s>", name, e.Name)
		}
	}
	// The text survives, escaped: the statement list shows it whole.
	var pre []string
	for _, e := range elements(page) {
		if e.Name == "pre" {
			pre = append(pre, e.Text)
		}
	}
	assert.Contains(t, pre, hostileSQL)
}

// TestHTMLSelfContained checks that the page loads nothing.
func TestHTMLSelfContained(t *testing.T) {
	page := render(t, timeline.Page{Title: "pgsafe trace", Runs: []timeline.Run{fixedRun(time.Now())}})
	for _, e := range elements(page) {
		for _, a := range []string{"src", "href"} {
			assert.Empty(t, e.Attrs[a], "<%s %s>", e.Name, a)
		}
		assert.NotEqual(t, "link", e.Name)
	}
	assert.NotContains(t, page, "url(")
	assert.NotContains(t, page, "@import")
}

// TestHTMLWithoutLocks checks a run whose statements locked nothing that
// existed before them, and one without a trace.
func TestHTMLWithoutLocks(t *testing.T) {
	r := fixedRun(time.Now())
	r.Trace.Holds = nil
	r.Trace.Load = nil
	page := render(t, timeline.Page{Title: "pgsafe trace", Runs: []timeline.Run{r, {Name: "rewrite"}}})
	es := elements(page)
	assert.Empty(t, withClass(es, "lockrow"))
	assert.Empty(t, withClass(es, "stall"))
	assert.Len(t, withClass(es, "mark"), 5)
	assert.Contains(t, page, "no statement locked a relation that existed before it")
	var runs []string
	for _, e := range withClass(es, "run") {
		runs = append(runs, e.Attrs["data-run"])
	}
	assert.Equal(t, []string{"original", "rewrite"}, runs)
}

// styleNumber returns the percentage of property prop in an inline style.
func styleNumber(t *testing.T, style, prop string) float64 {
	t.Helper()
	for _, decl := range strings.Split(style, ";") {
		name, value, ok := strings.Cut(decl, ":")
		if ok && strings.TrimSpace(name) == prop {
			var f float64
			_, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimSpace(value), "%"), "%g", &f)
			require.NoError(t, err)
			return f
		}
	}
	require.Failf(t, "no property", "%s in %q", prop, style)
	return 0
}
