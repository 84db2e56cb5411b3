package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
)

// databaseURLFlag names the server that trace and fix --verify use
// instead of an ephemeral cluster.
func databaseURLFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "database-url", Usage: usage}
}

// server is the PostgreSQL that trace runs migrations on: one the user
// names with --database-url, or an ephemeral cluster started for the run
// and removed afterwards.
type server struct {
	// target is the database named by --database-url, or the maintenance
	// database (postgres) of the ephemeral cluster.
	target *pgtarget.Target
	// named reports that the user named the server.
	named bool
	// where describes the server for the report.
	where   string
	cluster *pgcluster.Cluster
}

// namedServer parses the --database-url connection string; nil when
// there is none.
func namedServer(c *cli.Context) (*server, error) {
	u := c.String("database-url")
	if u == "" {
		return nil, nil
	}
	t, err := pgtarget.Parse(u)
	if err != nil {
		return nil, usageError("--database-url: %v", err)
	}
	return &server{target: t, named: true, where: "at " + t.String()}, nil
}

// openServer returns the server that --database-url names or, without
// it, starts an ephemeral cluster and says so on stderr. Close stops
// and removes the cluster.
func openServer(ctx context.Context, c *cli.Context, e env) (*server, error) {
	if srv, err := namedServer(c); srv != nil || err != nil {
		return srv, err
	}
	cl, err := pgcluster.Start(ctx)
	if err != nil {
		return nil, clusterError(err)
	}
	announceCluster(e, cl)
	return &server{target: pgtarget.MustParse(cl.ConnString("postgres")), where: "an ephemeral cluster", cluster: cl}, nil
}

// clusterError is the command's error when an ephemeral cluster cannot
// start.
func clusterError(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return &exitError{code: exitUsage, err: errors.New("interrupted")}
	case errors.Is(err, pgcluster.ErrNoBinaries):
		return &exitError{code: exitUsage, err: err}
	default:
		return &exitError{code: exitUsage, err: fmt.Errorf("starting an ephemeral PostgreSQL: %w", err)}
	}
}

// announceCluster says on stderr where an ephemeral cluster runs, and
// which clusters of killed runs its start removed.
func announceCluster(e env, cl *pgcluster.Cluster) {
	for _, dir := range cl.Stale {
		fmt.Fprintf(e.stderr, "pgsafe: removed the ephemeral PostgreSQL of a run that was killed, in %s\n", dir)
	}
	fmt.Fprintf(e.stderr, "pgsafe: started an ephemeral PostgreSQL in %s, reachable only through its Unix socket there; it is removed when the run ends\n", cl.Dir)
}

// close stops and removes an ephemeral cluster; it is a no-op for a
// server the user named.
func (s *server) close(e env) {
	if s.cluster == nil {
		return
	}
	if err := s.cluster.Stop(); err != nil {
		fmt.Fprintf(e.stderr, "pgsafe: stopping the ephemeral PostgreSQL in %s: %v\n", s.cluster.Dir, err)
	}
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
