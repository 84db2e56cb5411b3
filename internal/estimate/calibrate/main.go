// Command calibrate measures the cost model of package estimate on a real
// PostgreSQL and writes it as JSON:
//
//	go run ./internal/estimate/calibrate --database-url URL -o model.json [--repeat N] [--rows 10000,100000,1000000] [--add EARLIER.json]
//
// It seeds tables of two row widths at several sizes in the database the
// URL names (creating and dropping tables named pgsafe_calibrate_*), runs
// every operation of estimate.Operations on each on an otherwise idle
// server, times the statements, and fits each class's coefficients
// (estimate.Fit). Run it against a server like production's (same
// version, similar hardware and settings), then give the file to lint with
// the config key cost-model. The model pgsafe embeds is this command's
// output on the machine it names (internal/estimate/model.json).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/estimate"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "calibrate:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", os.Getenv("PGSAFE_TEST_DATABASE_URL"), "`URL` of the database to seed and time (default $PGSAFE_TEST_DATABASE_URL)")
	out := fs.String("o", "", "write the model to `FILE` (default: standard output)")
	sizes := fs.String("rows", "10000,100000,1000000", "comma-separated row `COUNTS` of the seeded tables")
	repeat := fs.Int("repeat", 1, "measure everything `N` times and fit all the measurements: on a machine whose load varies, the model then describes it over the runs rather than at one moment")
	add := fs.String("add", "", "fit the new measurements together with those kept in the model `FILE` of an earlier calibration (of the same server), to describe it over several sessions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return fmt.Errorf("--database-url is required")
	}
	var rows []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("--rows %q: want positive counts separated by commas", *sizes)
		}
		rows = append(rows, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	conn, err := pgx.Connect(ctx, *url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()

	if *repeat < 1 {
		return fmt.Errorf("--repeat %d: want 1 or more", *repeat)
	}
	var points []estimate.Point
	earlier := ""
	if *add != "" {
		m, err := estimate.LoadEarlier(*add)
		if err != nil {
			return fmt.Errorf("--add: %w", err)
		}
		if len(m.Points) == 0 {
			return fmt.Errorf("--add %s: the model keeps no measurements", *add)
		}
		points = append(points, m.Points...)
		earlier = fmt.Sprintf(", with the %d measurements of %s (%s)", len(m.Points), *add, m.Calibration.Command)
	}
	for range *repeat {
		ps, err := estimate.Calibrate(ctx, conn, []estimate.Shape{estimate.Narrow, estimate.Wide}, rows, stderr)
		if err != nil {
			return err
		}
		points = append(points, ps...)
	}
	costs, err := estimate.Fit(points)
	if err != nil {
		return err
	}
	server, err := serverDescription(ctx, conn)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	m := &estimate.Model{
		Format: estimate.ModelFormat,
		Calibration: estimate.Calibration{
			At:      time.Now().UTC().Truncate(time.Second),
			Machine: estimate.Machine(host, cpuModel(), runtime.NumCPU()),
			Server:  server,
			Command: fmt.Sprintf("go run ./internal/estimate/calibrate --rows %s --repeat %d%s", *sizes, *repeat, earlier),
		},
		Costs:  costs,
		Points: points,
	}
	data, err := m.Write()
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}

// serverDescription returns the server's version and the settings that
// change how long the operations take.
func serverDescription(ctx context.Context, conn *pgx.Conn) (string, error) {
	var v, fsync, sb, mwm string
	err := conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('fsync'),
		current_setting('shared_buffers'), current_setting('maintenance_work_mem')`).Scan(&v, &fsync, &sb, &mwm)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("PostgreSQL %s (fsync=%s, shared_buffers=%s, maintenance_work_mem=%s)", v, fsync, sb, mwm), nil
}

// cpuModel returns the CPU's model name from /proc/cpuinfo, or the
// architecture where there is none.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
