package stats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pgsafe/pgsafe/internal/pgtarget"
)

// ApplicationName is the application_name of the session that takes a
// snapshot, as pg_stat_activity shows it.
const ApplicationName = "pgsafe-stats"

// DefaultInterval is the time between the two samples when
// Options.Interval is zero.
const DefaultInterval = 10 * time.Second

// Options say how Take samples.
type Options struct {
	// Interval is the time to wait between the first sample and the
	// second; DefaultInterval when zero. The rates divide by the time
	// that actually passed between the two statistics snapshots, which is
	// at least Interval.
	Interval time.Duration
	// Sampled, when set, is called after the first sample with the number
	// of tables read, before the wait: to say that sampling has started.
	Sampled func(tables int)
	// BetweenSamples, when set, runs after the first sample and before
	// the wait. Tests use it to write a known number of rows between the
	// samples.
	BetweenSamples func(ctx context.Context) error
}

// Take reads a snapshot of the database of target: the tables and their
// sizes, and their traffic between two samples Interval apart. Each
// sample is a read-only transaction that reads the system catalogs, the
// statistics views and the size functions, never a table's rows; the
// session is named ApplicationName.
func Take(ctx context.Context, target *pgtarget.Target, opts Options) (*Snapshot, error) {
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Interval < 0 {
		return nil, fmt.Errorf("the interval between the samples is negative (%s)", opts.Interval)
	}
	conn, err := target.WithApplicationName(ApplicationName).Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	snap := &Snapshot{Format: Format}
	if err := conn.QueryRow(ctx, `SELECT pg_catalog.split_part(pg_catalog.current_setting('server_version'), ' ', 1),
		pg_catalog.current_setting('server_version_num')::int, pg_catalog.current_database()`).
		Scan(&snap.ServerVersion, &snap.ServerVersionNum, &snap.Database); err != nil {
		return nil, err
	}
	if snap.ServerVersionNum < 120000 {
		return nil, fmt.Errorf("the server runs PostgreSQL %s: pgsafe stats reads PostgreSQL 12 and later", snap.ServerVersion)
	}
	var blockSize int64
	if err := conn.QueryRow(ctx, "SELECT pg_catalog.current_setting('block_size')::int8").Scan(&blockSize); err != nil {
		return nil, err
	}
	first, err := readSample(ctx, conn, snap.ServerVersionNum, false)
	if err != nil {
		return nil, fmt.Errorf("the first sample: %w", err)
	}
	started := time.Now()
	if opts.Sampled != nil {
		opts.Sampled(len(first.rels))
	}
	if opts.BetweenSamples != nil {
		if err := opts.BetweenSamples(ctx); err != nil {
			return nil, err
		}
	}
	if err := wait(ctx, opts.Interval-time.Since(started)); err != nil {
		return nil, err
	}
	second, err := readSample(ctx, conn, snap.ServerVersionNum, true)
	if err != nil {
		return nil, fmt.Errorf("the second sample: %w", err)
	}
	if !second.at.After(first.at) {
		return nil, errors.New("the server's statistics snapshots of the two samples are not apart in time; take the snapshot again")
	}
	snap.TakenAt = second.at.UTC()
	snap.SampleSeconds = second.at.Sub(first.at).Seconds()
	snap.Tables = tables(first, second, blockSize)
	return snap, nil
}

// wait waits for d, or until ctx is done.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
