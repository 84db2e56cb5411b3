package estimate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CalibrationPrefix begins the names of the tables that Calibrate seeds.
const CalibrationPrefix = "pgsafe_calibrate_"

// CalibrationTables names the tables that Calibrate seeds for shapes and
// row counts rows, with the Parents that its operations create beside
// them.
func CalibrationTables(shapes []Shape, rows []int) []string {
	var out []string
	for _, shape := range shapes {
		for _, n := range rows {
			t := fmt.Sprintf("%s%s_%d", CalibrationPrefix, shape.Name, n)
			out = append(out, t)
			for _, p := range Parents {
				out = append(out, p.Of(t))
			}
		}
	}
	return out
}

// Calibrate seeds a table of each shape at each row count in the
// database conn is connected to (CalibrationTables), times every
// operation on each (Measure), drops them, and returns the measurements,
// for Fit. It says on progress what it is doing, before each table it
// seeds and each operation it times, since the whole takes minutes, and
// then gives a line per measurement. When it fails or ctx ends, tables
// may be left behind: DropCalibrationTables drops them.
func Calibrate(ctx context.Context, conn *pgx.Conn, shapes []Shape, rows []int, progress io.Writer) ([]Point, error) {
	var tables []Seeded
	for _, shape := range shapes {
		for _, n := range rows {
			name := fmt.Sprintf("%s%s_%d", CalibrationPrefix, shape.Name, n)
			fmt.Fprintf(progress, "seeding %s: %d %s rows\n", name, n, shape.Name)
			t, err := Seed(ctx, conn, name, shape, n)
			if err != nil {
				return nil, err
			}
			tables = append(tables, t)
		}
	}
	timings, err := MeasureWith(ctx, conn, tables, Operations, func(i int, op Operation) {
		fmt.Fprintf(progress, "timing %d/%d (%s) on %d tables: %s\n", i+1, len(Operations), op.Class, len(tables), op.Statement("t"))
	})
	if err != nil {
		return nil, err
	}
	points := Points(timings, progress)
	for _, t := range tables {
		if _, err := conn.Exec(ctx, "DROP TABLE "+t.Name); err != nil {
			return nil, err
		}
	}
	return points, nil
}

// DropCalibrationTables drops, in the database conn is connected to,
// those of tables that exist: what a calibration that failed or was
// interrupted left behind.
func DropCalibrationTables(ctx context.Context, conn *pgx.Conn, tables []string) error {
	for _, t := range tables {
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+t); err != nil {
			return fmt.Errorf("dropping %s: %w", t, err)
		}
	}
	return nil
}

// ServerDescription returns the server's version and the settings that
// change how long the operations take, for Calibration.Server.
func ServerDescription(ctx context.Context, conn *pgx.Conn) (string, error) {
	var v, fsync, sb, mwm string
	err := conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('fsync'),
		current_setting('shared_buffers'), current_setting('maintenance_work_mem')`).Scan(&v, &fsync, &sb, &mwm)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("PostgreSQL %s (fsync=%s, shared_buffers=%s, maintenance_work_mem=%s)", v, fsync, sb, mwm), nil
}

// Machine describes this machine for Calibration.Machine: host name, CPU
// model and count.
func Machine() string {
	host, _ := os.Hostname()
	return strings.TrimSpace(fmt.Sprintf("%s, %s, %d CPUs", host, cpuModel(), runtime.NumCPU()))
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
