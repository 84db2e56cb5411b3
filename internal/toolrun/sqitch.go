package toolrun

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Sqitch is sqitch with its pg engine: `sqitch deploy --verify TARGET`
// deploys the changes of sqitch.plan, `sqitch revert -y --to CHANGE`
// reverts down to a change. The last change deployed is read from the
// registry's changes table, as `sqitch status` reads it. The target is a
// db:pg: URI made from the database URL.
var Sqitch = &Tool{
	Name:        "sqitch",
	Framework:   tool.Sqitch,
	Migrations:  []string{"deploy", "revert", "verify"},
	Bookkeeping: Bookkeeping{Schemas: []string{"sqitch"}},
	Rollback:    true,
	up: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, sqitchEnv, "deploy", "--verify", sqitchTarget(r.URL))
		return err
	},
	upTo: func(ctx context.Context, r *Run, change string) error {
		_, err := r.command(ctx, sqitchEnv, "deploy", "--verify", "--to", change, sqitchTarget(r.URL))
		return err
	},
	down: func(ctx context.Context, r *Run) error {
		current, err := r.Version(ctx)
		if err != nil {
			return err
		}
		if current == "" {
			return fmt.Errorf("sqitch: no change is deployed")
		}
		prev, err := sqitchBefore(filepath.Join(r.Project, "sqitch.plan"), current)
		if err != nil {
			return err
		}
		args := []string{"revert", "-y"}
		if prev != "" {
			// --to @HEAD^ would do, but fails when one change is left:
			// then revert everything.
			args = append(args, "--to", prev)
		}
		_, err = r.command(ctx, sqitchEnv, append(args, sqitchTarget(r.URL))...)
		return err
	},
	version: func(ctx context.Context, r *Run) (string, error) {
		// sqitch status says the same, after a second of Perl start-up.
		return queryString(ctx, r.URL, `SELECT change FROM sqitch.changes ORDER BY committed_at DESC LIMIT 1`)
	},
}

// sqitchEnv names the planner that sqitch records with each change.
var sqitchEnv = []string{"SQITCH_FULLNAME=pgsafe tests", "SQITCH_EMAIL=pgsafe@example.com"}

// sqitchTarget returns the db:pg: URI of a postgres:// URL.
func sqitchTarget(url string) string {
	_, rest, _ := strings.Cut(url, "://")
	return "db:pg://" + rest
}

// sqitchBefore returns the change that the plan lists before change; ""
// when change is the first.
func sqitchBefore(plan, change string) (string, error) {
	f, err := os.Open(plan)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	prev := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "%") || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "@") {
			continue
		}
		name := strings.Fields(line)[0]
		if name == change {
			return prev, nil
		}
		prev = name
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s does not list the deployed change %s", plan, change)
}
