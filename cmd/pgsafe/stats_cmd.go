package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/stats"
	"github.com/pgsafe/pgsafe/rewrite"
)

// minStatsInterval is the shortest --interval: PostgreSQL's sessions
// flush their statistics at most once a second, so that over a shorter
// interval the counters' difference says more about when the flushes
// fell than about the traffic.
const minStatsInterval = time.Second

func statsCommand(e env) *cli.Command {
	return &cli.Command{
		Name:  "stats",
		Usage: "read a snapshot of a live database's table sizes and traffic from its statistics, for lint --stats",
		Flags: []cli.Flag{
			databaseURLFlag("read the database at `URL` (postgres://user@host:5432/db), with read-only transactions that read only the catalogs, the statistics views and the size functions (required)"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the snapshot to `FILE`, replacing it atomically, instead of standard output"},
			&cli.DurationFlag{Name: "interval", Value: stats.DefaultInterval, Usage: "the `DURATION` between the two samples whose difference gives the rates (10s, 1m; at least 1s)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("stats takes no arguments, got %q", c.Args().First())
			}
			srv, err := namedServer(c)
			if err != nil {
				return err
			}
			if srv == nil {
				return usageError("stats needs --database-url: the database to read the snapshot from")
			}
			interval := c.Duration("interval")
			if interval < minStatsInterval {
				return usageError("--interval %s is too short: PostgreSQL's sessions report their statistics about once a second, so the rates need at least %s", interval, minStatsInterval)
			}
			out := c.String("output")
			if out != "" {
				if err := checkOutputFolder(out, e.workdir); err != nil {
					return err
				}
			}
			db := srv.target.Database()
			snap, err := stats.Take(c.Context, srv.target, stats.Options{
				Interval: interval,
				Sampled: func(tables int) {
					fmt.Fprintf(e.stderr, "pgsafe: read %s of %s; sampling their traffic for %s…\n", countTables(tables), db, interval)
				},
			})
			if err != nil {
				return runError(c.Context, err)
			}
			var buf bytes.Buffer
			if err := snap.Write(&buf); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			warnUnknown(e, snap)
			if out == "" {
				_, err := e.stdout.Write(buf.Bytes())
				return err
			}
			if err := rewrite.WriteAtomic(absPath(out, e.workdir), buf.Bytes()); err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("writing the snapshot to %s: %w", out, err)}
			}
			fmt.Fprintf(e.stderr, "pgsafe: wrote the snapshot of %s to %s\n", countTables(len(snap.Tables)), out)
			return nil
		},
	}
}

// checkOutputFolder refuses, before any sampling, an -o whose folder is
// missing or that names a folder: the run would otherwise wait the whole
// interval to fail. What only the write can tell (a read-only file, a
// full disk) is said when the write fails.
func checkOutputFolder(out, workdir string) error {
	path := absPath(out, workdir)
	if info, err := os.Stat(filepath.Dir(path)); err != nil || !info.IsDir() {
		return usageError("-o %s: the folder %s does not exist", out, filepath.Dir(out))
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return usageError("-o %s: a folder, not a file", out)
	}
	return nil
}

// warnUnknown says on stderr which of the snapshot's figures are
// unknown, and why.
func warnUnknown(e env, snap *stats.Snapshot) {
	var rows, rates []string
	for _, t := range snap.Tables {
		name := t.Schema + "." + t.Name
		if t.Rows == stats.Unknown {
			rows = append(rows, name)
		}
		if !t.RatesKnown() {
			rates = append(rates, name)
		}
	}
	if len(rows) > 0 {
		fmt.Fprintf(e.stderr, "pgsafe: rows unknown (-1), never analyzed or vacuumed: %s; run ANALYZE on them and take the snapshot again\n", list(rows))
	}
	if len(rates) > 0 {
		fmt.Fprintf(e.stderr, "pgsafe: rates unknown (-1), statistics reset or table created between the samples: %s\n", list(rates))
	}
}

// list joins names with commas, the first ten and a count of the rest.
func list(names []string) string {
	const most = 10
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// countTables returns "1 table" or "n tables".
func countTables(n int) string {
	if n == 1 {
		return "1 table"
	}
	return fmt.Sprintf("%d tables", n)
}
