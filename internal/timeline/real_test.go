package timeline_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/testenv"
	"github.com/pgsafe/pgsafe/internal/timeline"
	"github.com/pgsafe/pgsafe/internal/trace"
	"github.com/pgsafe/pgsafe/internal/workload"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// realPage traces testdata/orders on PostgreSQL as trace and fix --verify
// --seed-rows do: orders is created, seeded with rows before each later
// file, and a probe writes to it while the migrations index it and add a
// column (one transaction), then add another (the next). It returns the
// page, the trace and the probe's figures.
func realPage(t *testing.T, rows int) (string, *trace.Result, []probe.Result) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	target := pgtest.NewTarget(t)
	srcs, errs := source.Load([]string{"testdata/orders"}, source.Options{})
	require.Empty(t, errs)
	files := lint.Run(srcs, lint.Options{KeepTrees: true, SkipDown: true}).Files

	res, err := workload.Trace(ctx, target, files, trace.Options{}, workload.Options{Rows: rows, Tables: []string{"public.orders"}})
	require.NoError(t, err)
	require.NotNil(t, res.Load)
	require.Len(t, res.Load.Seeded.Filled, 1, "orders was seeded: %+v", res.Load.Seeded)

	var b bytes.Buffer
	require.NoError(t, timeline.HTML(&b, timeline.Page{Title: "pgsafe fix --verify --seed-rows " + strconv.Itoa(rows) + " testdata/orders",
		Runs: []timeline.Run{{Name: "original", Trace: res}}}))
	return b.String(), res, res.Load.Writes
}

// checkDOM asserts on a page of testdata/orders, as written or as a
// browser holds it: one row for orders, the bars of its locks, a mark per
// statement, and the stall row with each wait the probe measured during
// the statements.
func checkDOM(t *testing.T, es []element, res *trace.Result, writes []probe.Result) {
	t.Helper()
	var rows []string
	for _, e := range withClass(es, "lockrow") {
		rows = append(rows, e.Attrs["data-relation"])
	}
	assert.Equal(t, []string{"public.orders"}, rows, "one row per table locked after it was created")

	type barKey struct{ mode, statement string }
	var bars []barKey
	for _, e := range withClass(es, "bar") {
		bars = append(bars, barKey{e.Attrs["data-mode"], e.Attrs["data-statement"]})
	}
	// Statement 1 creates orders; 2 builds the index under SHARE and 3
	// adds a column under ACCESS EXCLUSIVE, in one transaction; 4 adds
	// another in the next. Lanes go strongest mode first.
	assert.ElementsMatch(t, []barKey{{"ACCESS EXCLUSIVE", "3"}, {"ACCESS EXCLUSIVE", "4"}, {"SHARE", "2"}}, bars)

	var marks []string
	for _, e := range withClass(es, "mark") {
		marks = append(marks, e.Attrs["data-statement"]+" "+e.Attrs["data-line"]+" "+filepath.Base(e.Attrs["data-file"]))
	}
	assert.Equal(t, []string{"1 1 1_create.up.sql", "2 1 2_change.up.sql", "3 2 2_change.up.sql", "4 1 3_later.up.sql"}, marks)

	stalls := withClass(es, "stall")
	require.Len(t, stalls, 1)
	assert.Equal(t, "public.orders", stalls[0].Attrs["data-stall-table"])
	require.Len(t, writes, 1)
	assert.Equal(t, strconv.Itoa(writes[0].Writes), stalls[0].Attrs["data-writes"])
	from, to := res.Files[0].Statements[0].Start, res.Files[2].Statements[0].Start.Add(res.Files[2].Statements[0].Duration)
	during := 0
	for _, w := range writes[0].Waits {
		if !w.Start.Add(w.Took).Before(from) && !w.Start.After(to) {
			during++
		}
	}
	assert.Len(t, withClass(es, "wait"), during, "a bar per wait the probe measured during the statements")
	t.Logf("the probe: %d writes, longest %s, %d over %s during the statements", writes[0].Writes, writes[0].Longest, during, probe.WaitedAfter)
}

// TestRealTrace renders a trace of PostgreSQL and checks the page as
// written.
func TestRealTrace(t *testing.T) {
	page, res, writes := realPage(t, 10000)
	checkDOM(t, elements(page), res, writes)
}

// screenshotSize is the browser window of TestChromium.
const screenshotWidth, screenshotHeight = 1200, 700

// TestChromium renders a trace of PostgreSQL on seeded rows in headless
// Chromium: a screenshot that must be a PNG of the window's size with the
// colours of the locks drawn, and the DOM after the page loaded, which
// must hold the rows, bars, marks and stalls of the trace.
func TestChromium(t *testing.T) {
	testenv.Heavy(t, "renders in headless Chromium on 200,000 seeded rows")
	browser := chromium(t)
	page, res, writes := realPage(t, 200000)
	dir := t.TempDir()
	file := filepath.Join(dir, "timeline.html")
	require.NoError(t, os.WriteFile(file, []byte(page), 0o644))
	url := "file://" + file

	shot := filepath.Join(dir, "timeline.png")
	runChromium(t, browser, dir, "--screenshot="+shot, "--window-size="+strconv.Itoa(screenshotWidth)+","+strconv.Itoa(screenshotHeight), url)
	f, err := os.Open(shot)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	img, err := png.Decode(f)
	require.NoError(t, err, "the screenshot is a PNG")
	assert.Equal(t, image.Rect(0, 0, screenshotWidth, screenshotHeight), img.Bounds())
	counts := colourCounts(img)
	assert.Greater(t, len(counts), 50, "the screenshot is not blank")
	// Bars are flat colours: the ACCESS EXCLUSIVE red and the SHARE
	// orange of the page's style sheet show as whole runs of pixels.
	assert.Greater(t, counts[color.RGBA{0xcf, 0x22, 0x2e, 0xff}], 100, "ACCESS EXCLUSIVE bars drawn")
	assert.Greater(t, counts[color.RGBA{0xf5, 0xa0, 0x3c, 0xff}], 100, "SHARE bar drawn")

	dom := runChromium(t, browser, dir, "--dump-dom", url)
	checkDOM(t, elements(dom), res, writes)
}

// chromium returns Debian's chromium, or another Chromium, and skips the
// test when none is installed, outside the heavy tests (.ci/run installs
// it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if testenv.IsHeavy() {
		t.Fatal("chromium is not installed; .ci/run installs it (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// runChromium runs browser headless with args and returns its standard
// output.
func runChromium(t *testing.T, browser, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--user-data-dir=" + filepath.Join(dir, "profile")}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "HOME="+dir)
	require.NoError(t, cmd.Run(), "%s %v: %s", browser, args, stderr.String())
	return stdout.String()
}

// colourCounts counts the pixels of each colour of img.
func colourCounts(img image.Image) map[color.RGBA]int {
	out := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			out[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}]++
		}
	}
	return out
}
