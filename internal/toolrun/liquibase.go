package toolrun

import (
	"context"
	"fmt"
	"os"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Liquibase is Liquibase's CLI (the npm package liquibase bundles it,
// with its PostgreSQL driver): `liquibase update` with the project's
// liquibase.properties, `rollback-count --count=1` rolls back the last
// changeset applied. Each command starts a JVM, seconds of work, so the
// last changeset applied is read from DATABASECHANGELOG rather than with
// another command.
var Liquibase = &Tool{
	Name:        "liquibase",
	Framework:   tool.Liquibase,
	Migrations:  []string{"db/changelog"},
	Bookkeeping: Bookkeeping{Tables: []string{"public.databasechangelog", "public.databasechangeloglock"}},
	Rollback:    true,
	up: func(ctx context.Context, r *Run) error {
		return liquibase(ctx, r, "update")
	},
	down: func(ctx context.Context, r *Run) error {
		return liquibase(ctx, r, "rollback-count", "--count=1")
	},
	version: func(ctx context.Context, r *Run) (string, error) {
		return queryString(ctx, r.URL, `SELECT id FROM databasechangelog ORDER BY orderexecuted DESC LIMIT 1`)
	},
}

// liquibase runs a Liquibase command on the run's database; the rest of
// the settings come from the project's liquibase.properties.
func liquibase(ctx context.Context, r *Run, command ...string) error {
	u, err := parseURL(r.URL)
	if err != nil {
		return err
	}
	password, _ := u.User.Password()
	args := []string{
		"--show-banner=false",
		"--url=" + fmt.Sprintf("jdbc:postgresql://%s%s", u.Host, u.Path),
		"--username=" + u.User.Username(),
		"--password=" + password,
	}
	var env []string
	if os.Getenv("JAVA_OPTS") == "" {
		// A short-lived JVM: compiling hot code fully only costs time.
		env = append(env, "JAVA_OPTS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
	}
	_, err = r.command(ctx, env, append(args, command...)...)
	return err
}
