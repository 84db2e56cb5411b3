package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/rewrite"
)

// calibrationApplicationName names calibrate's session in
// pg_stat_activity.
const calibrationApplicationName = "pgsafe-calibrate"

// calibrationCleanupTimeout bounds the dropping of the tables that an
// interrupted or failed calibration left behind.
const calibrationCleanupTimeout = 30 * time.Second

func calibrateCommand(e env) *cli.Command {
	return &cli.Command{
		Name:  "calibrate",
		Usage: "measure the cost model of lint --stats on a PostgreSQL like production's: seed tables, time every kind of work on them, and fit its price (takes minutes; never against production)",
		Flags: []cli.Flag{
			databaseURLFlag("seed and time tables named pgsafe_calibrate_* in the database at `URL` (postgres://user@host:5432/scratch), dropping them afterwards (required)"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the model to `FILE`, replacing it atomically, instead of standard output"},
			&cli.StringFlag{Name: "rows", Value: "10000,100000,1000000", Usage: "the row `COUNTS` of the seeded tables, separated by commas"},
			&cli.IntFlag{Name: "repeat", Value: 1, Usage: "measure everything `N` times and fit all the measurements: on a machine whose load varies, the model then describes it over the runs rather than at one moment"},
			&cli.StringFlag{Name: "add", Usage: "fit the new measurements together with those kept in the model `FILE` of an earlier calibration of the same server, to describe it over several sessions"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("calibrate takes no arguments, got %q", c.Args().First())
			}
			srv, err := namedServer(c)
			if err != nil {
				return err
			}
			if srv == nil {
				return usageError("calibrate needs --database-url: a scratch database on a server like production's, where it may create and drop tables")
			}
			rows, err := calibrationRows(c.String("rows"))
			if err != nil {
				return err
			}
			repeat := c.Int("repeat")
			if repeat < 1 {
				return usageError("--repeat %d: want 1 or more", repeat)
			}
			out := c.String("output")
			if out != "" {
				if err := checkOutputFolder(out, e.workdir); err != nil {
					return err
				}
			}
			var points []estimate.Point
			earlier := ""
			if add := c.String("add"); add != "" {
				m, err := estimate.LoadEarlier(absPath(add, e.workdir))
				if err != nil {
					return usageError("--add: %v", withoutPath(err))
				}
				if len(m.Points) == 0 {
					return usageError("--add %s: the model keeps no measurements", add)
				}
				points = append(points, m.Points...)
				earlier = fmt.Sprintf(", with the %d measurements of %s (%s)", len(m.Points), add, m.Calibration.Command)
			}
			target := srv.target.WithApplicationName(calibrationApplicationName)
			conn, err := target.Connect(c.Context)
			if err != nil {
				return runError(c.Context, fmt.Errorf("connecting to %s: %w", srv.target, err))
			}
			defer func() { _ = conn.Close(context.Background()) }()
			shapes := []estimate.Shape{estimate.Narrow, estimate.Wide}
			progress := prefixWriter{w: e.stderr, prefix: "pgsafe: "}
			for i := range repeat {
				if repeat > 1 {
					fmt.Fprintf(e.stderr, "pgsafe: run %d of %d\n", i+1, repeat)
				}
				ps, err := estimate.Calibrate(c.Context, conn, shapes, rows, &progress)
				if err != nil {
					return calibrationFailed(c.Context, e, srv.target.String(), func(ctx context.Context) error {
						cleanup, err := target.Connect(ctx)
						if err != nil {
							return err
						}
						defer func() { _ = cleanup.Close(context.Background()) }()
						return estimate.DropCalibrationTables(ctx, cleanup, estimate.CalibrationTables(shapes, rows))
					}, err)
				}
				points = append(points, ps...)
			}
			costs, err := estimate.Fit(points)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			server, err := estimate.ServerDescription(c.Context, conn)
			if err != nil {
				return runError(c.Context, err)
			}
			m := &estimate.Model{
				Format: estimate.ModelFormat,
				Calibration: estimate.Calibration{
					At:      time.Now().UTC().Truncate(time.Second),
					Machine: estimate.Machine(),
					Server:  server,
					Command: fmt.Sprintf("pgsafe calibrate --rows %s --repeat %d%s", c.String("rows"), repeat, earlier),
				},
				Costs:  costs,
				Points: points,
			}
			data, err := m.Write()
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if out == "" {
				_, err := e.stdout.Write(data)
				return err
			}
			if err := rewrite.WriteAtomic(absPath(out, e.workdir), data); err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("writing the model to %s: %w", out, err)}
			}
			fmt.Fprintf(e.stderr, "pgsafe: wrote the cost model of %d measurements to %s\n", len(points), out)
			return nil
		},
	}
}

// calibrationRows parses --rows: positive counts separated by commas.
func calibrationRows(s string) ([]int, error) {
	var rows []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, usageError("--rows %q: want positive counts separated by commas", s)
		}
		rows = append(rows, n)
	}
	return rows, nil
}

// calibrationFailed drops, with drop, the tables that a calibration which
// failed with err or was interrupted left in the database at where (on a
// connection of its own, since an interrupted statement may have taken
// the calibration's down with it, and within
// calibrationCleanupTimeout of a context that the interruption has not
// ended), and returns the command's error.
func calibrationFailed(ctx context.Context, e env, where string, drop func(context.Context) error, err error) error {
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), calibrationCleanupTimeout)
	defer cancel()
	if dropErr := drop(cleanupCtx); dropErr != nil {
		fmt.Fprintf(e.stderr, "pgsafe: could not drop the tables %s* in %s: %v; drop them by hand\n", estimate.CalibrationPrefix, where, dropErr)
	} else {
		fmt.Fprintf(e.stderr, "pgsafe: dropped the tables %s* it had created\n", estimate.CalibrationPrefix)
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return interrupted()
	}
	return runError(ctx, err)
}

// prefixWriter writes each line written to it to w with prefix before it.
type prefixWriter struct {
	w      io.Writer
	prefix string
	mid    bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line == "" {
			continue
		}
		if !p.mid {
			if _, err := p.w.Write([]byte(p.prefix)); err != nil {
				return 0, err
			}
		}
		if _, err := p.w.Write([]byte(line)); err != nil {
			return 0, err
		}
		p.mid = !strings.HasSuffix(line, "\n")
	}
	return len(b), nil
}
