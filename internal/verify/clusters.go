package verify

import (
	"context"
	"errors"
	"os"
	"sync"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
)

// Clusters gives each run of a verification an ephemeral cluster of its
// own, for Options.Servers, so that what one run creates in the whole
// cluster (a role, a tablespace) is not there for the other.
type Clusters struct {
	mu    sync.Mutex
	ready []*pgcluster.Cluster // started, not handed out yet
	all   []*pgcluster.Cluster
	// started is told of each cluster once it runs.
	started func(*pgcluster.Cluster)
}

// StartClusters starts n clusters side by side, for the runs to come,
// and tells started (when not nil) of each; Server starts more when they
// run out. On error, those that started are stopped.
func StartClusters(ctx context.Context, n int, started func(*pgcluster.Cluster)) (*Clusters, error) {
	c := &Clusters{started: started}
	out := make([]*pgcluster.Cluster, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i], errs[i] = pgcluster.Start(ctx) })
	}
	wg.Wait()
	for _, cl := range out {
		if cl != nil {
			c.all = append(c.all, cl)
			c.ready = append(c.ready, cl)
		}
	}
	if err := firstError(errs); err != nil {
		_ = c.Stop()
		return nil, err
	}
	if started != nil {
		for _, cl := range c.all {
			started(cl)
		}
	}
	return c, nil
}

// firstError returns the first error of errs that is not nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Server hands out a cluster that no run has had yet, starting one when
// none is left, and returns the settings of a connection to its
// maintenance database. It is Options.Servers.
func (c *Clusters) Server(ctx context.Context, _ string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ready) == 0 {
		cl, err := pgcluster.Start(ctx)
		if err != nil {
			return "", err
		}
		c.all = append(c.all, cl)
		if c.started != nil {
			c.started(cl)
		}
		return cl.ConnString("postgres"), nil
	}
	cl := c.ready[0]
	c.ready = c.ready[1:]
	return cl.ConnString("postgres"), nil
}

// PgDump returns the pg_dump beside the clusters' server programs, ""
// when there is none there.
func (c *Clusters) PgDump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.all) == 0 {
		return ""
	}
	p := c.all[0].Bin("pg_dump")
	if info, err := os.Stat(p); err != nil || info.IsDir() {
		return ""
	}
	return p
}

// Stop stops every cluster and removes its folder.
func (c *Clusters) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, cl := range c.all {
		errs = append(errs, cl.Stop())
	}
	c.all, c.ready = nil, nil
	return errors.Join(errs...)
}
