package toolrun

import (
	"context"
	"fmt"
	"strings"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// Migrate is golang-migrate's CLI, built with -tags postgres: `migrate
// -path DIR -database URL up`, `down 1`, `version`.
var Migrate = &Tool{
	Name:        "migrate",
	Framework:   tool.GolangMigrate,
	Migrations:  []string{"db/migrations"},
	Bookkeeping: Bookkeeping{Tables: []string{"public.schema_migrations"}},
	Rollback:    true,
	up: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, nil, migrateArgs(r, "up")...)
		return err
	},
	upTo: func(ctx context.Context, r *Run, version string) error {
		_, err := r.command(ctx, nil, migrateArgs(r, "goto", version)...)
		return err
	},
	down: func(ctx context.Context, r *Run) error {
		_, err := r.command(ctx, nil, migrateArgs(r, "down", "1")...)
		return err
	},
	version: func(ctx context.Context, r *Run) (string, error) {
		out, err := r.command(ctx, nil, migrateArgs(r, "version")...)
		out = strings.TrimSpace(out)
		switch {
		case err != nil && strings.Contains(out, "no migration"):
			return "", nil
		case err != nil:
			return "", err
		case strings.Contains(out, "dirty"):
			return "", fmt.Errorf("migrate: the database is dirty at version %s", out)
		default:
			return out, nil
		}
	},
}

func migrateArgs(r *Run, command ...string) []string {
	return append([]string{"-path", r.dir(), "-database", r.URL}, command...)
}
