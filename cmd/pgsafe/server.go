package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
)

// databaseURLFlag names the server that trace and fix --verify use
// instead of an ephemeral cluster.
func databaseURLFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "database-url", Usage: usage}
}

// server is the PostgreSQL that trace and fix --verify run migrations
// on: one the user names with --database-url, or an ephemeral cluster
// started for the run and removed afterwards.
type server struct {
	// url connects to the database named by --database-url, or to the
	// maintenance database (postgres) of the ephemeral cluster.
	url string
	// named reports that the user named the server.
	named bool
	// where describes the server for the report.
	where   string
	cluster *pgcluster.Cluster
}

// openServer returns the server that --database-url names or, without
// it, starts an ephemeral cluster and says so on stderr. Close stops
// and removes the cluster.
func openServer(ctx context.Context, c *cli.Context, e env) (*server, error) {
	if u := c.String("database-url"); u != "" {
		return &server{url: u, named: true, where: "at " + redact(u)}, nil
	}
	cl, err := pgcluster.Start(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, &exitError{code: exitUsage, err: errors.New("interrupted")}
		}
		if errors.Is(err, pgcluster.ErrNoBinaries) {
			return nil, &exitError{code: exitUsage, err: err}
		}
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("starting an ephemeral PostgreSQL: %w", err)}
	}
	fmt.Fprintf(e.stderr, "pgsafe: started an ephemeral PostgreSQL in %s on port %d; it is removed when the run ends\n", cl.Dir, cl.Port)
	return &server{url: cl.URL("postgres"), where: "an ephemeral cluster", cluster: cl}, nil
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

// redact returns a connection string without its password, for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "the database of the --database-url connection string"
	}
	return u.Redacted()
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
