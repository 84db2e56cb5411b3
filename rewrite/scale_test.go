package rewrite_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlgen"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// scaleSizes are the sizes of the generated files of BenchmarkScale, in
// bytes: 0.5 to 8 MB, doubling.
var scaleSizes = []int{512 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20}

// BenchmarkScale lints and fixes one generated migration file of 0.5,
// 1, 2, 4 and 8 MB (package sqlgen: tables created, indexed and filled,
// columns and indexes added to existing tables, backfills), laid out four
// ways: a statement per line, the same in one transaction, and both on a
// single line. Time that grows linearly with the size keeps each size's
// time per byte flat: each size reports its time as a multiple of the
// 0.5 MB time ("x-first"), 16 at most for linear growth, and the run logs
// a table of them with the CPU time of each run (user and system, which
// other processes on a shared machine disturb less). The target is the
// 8 MB file within 20 times the 0.5 MB time. Timings are reported, never
// asserted.
//
//	go test ./rewrite -run '^$' -bench Scale -benchtime 1x
func BenchmarkScale(b *testing.B) {
	variants := []struct {
		name string
		opts sqlgen.Options
	}{
		{"lines", sqlgen.Options{}},
		{"tx", sqlgen.Options{Tx: true}},
		{"oneline", sqlgen.Options{OneLine: true}},
		{"oneline-tx", sqlgen.Options{OneLine: true, Tx: true}},
	}
	opts := scaleOptions()
	ops := []struct {
		name string
		run  func(b *testing.B, files []source.File)
	}{
		{"lint", func(_ *testing.B, files []source.File) { lint.Run(files, opts) }},
		{"fix", func(b *testing.B, files []source.File) {
			res, err := rewrite.Fix(files, opts, rewrite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(res.Rounds), "rounds")
			b.ReportMetric(float64(len(res.Applied)), "fixes")
		}},
	}
	for _, v := range variants {
		for _, op := range ops {
			b.Run(v.name+"/"+op.name, func(b *testing.B) {
				var times, cpus []time.Duration
				for _, size := range scaleSizes {
					o := v.opts
					o.Size = size
					files := []source.File{{Path: "db/migrations/0001_generated.sql", Text: sqlgen.DDL(o)}}
					b.Run(sizeName(size), func(b *testing.B) {
						b.SetBytes(int64(len(files[0].Text)))
						cpu := cpuTime()
						for b.Loop() {
							op.run(b, files)
						}
						per := b.Elapsed() / time.Duration(b.N)
						times = append(times, per)
						cpus = append(cpus, (cpuTime()-cpu)/time.Duration(b.N))
						b.ReportMetric(float64(per)/float64(times[0]), "x-first")
						b.ReportMetric(cpus[len(cpus)-1].Seconds(), "cpu-s/op")
					})
				}
				b.Log(scaleTable(times, cpus))
			})
		}
	}
}

// scaleOptions are lint's options for BenchmarkScale: every rule, and the
// files run by psql, statement by statement.
func scaleOptions() lint.Options {
	all := rules.All()
	return lint.Options{
		Rules: all, Known: all,
		Rule:  rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 10000},
		Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
	}
}

func sizeName(size int) string { return fmt.Sprintf("%gMB", float64(size)/(1<<20)) }

// scaleTable renders the wall and CPU times of one variant and operation
// by size, each also as a multiple of the first.
func scaleTable(times, cpus []time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%6s %10s %7s %10s %7s", "size", "wall", "", "cpu", "")
	for i, d := range times {
		fmt.Fprintf(&b, "\n%6s %9.3fs %6.1fx %9.3fs %6.1fx", sizeName(scaleSizes[i]),
			d.Seconds(), float64(d)/float64(times[0]), cpus[i].Seconds(), float64(cpus[i])/float64(cpus[0]))
	}
	return b.String()
}
