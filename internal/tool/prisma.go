package tool

import (
	"path/filepath"
	"sort"
	"strings"
)

// Prisma is Prisma Migrate (`prisma migrate deploy`): one folder per
// migration, TIMESTAMP_NAME/migration.sql, beside migration_lock.toml.
var Prisma = &Tool{
	Name:  "prisma",
	About: "Prisma Migrate (`prisma migrate deploy`): `migrations/<timestamp>_<name>/migration.sql` beside `migration_lock.toml`; each script sent as one query.",
	Doc: Doc{
		Detected: "`migration_lock.toml` above the migration folders; names alone (`TIMESTAMP_NAME/migration.sql`) are a guess",
		Files:    "`migrations/TIMESTAMP_NAME/migration.sql`, folder names compared as strings",
		Downs:    "none",
		Runs:     "each `migration.sql` as one query",
		Leave:    "new migration folders right after the migration, a step that needs no transaction alone in its `migration.sql`",
		Refuses:  "—",
	},
	Cite: []string{
		"https://www.prisma.io/docs/orm/prisma-migrate/understanding-prisma-migrate/migration-histories",
		"prisma/prisma-engines schema-engine/connectors/sql-schema-connector (apply_migration_script: the script as one query)",
	},
	Checksums: "Prisma records the checksum of each applied migration.sql and warns, or fails in `migrate dev`, when an applied file has changed: fix only migrations that have not run anywhere (`--changed-since`).",
	Detect: func(x *Index, path, _ string) string {
		if filepath.Base(path) != "migration.sql" {
			return ""
		}
		if x.Exists(filepath.Join(filepath.Dir(filepath.Dir(path)), "migration_lock.toml")) {
			return "migration_lock.toml above the migration folders"
		}
		return ""
	},
	Guess: func(path string) bool {
		_, ok := prismaName(path)
		return ok
	},
	Project: func(path string) string {
		if _, ok := prismaName(path); ok {
			return filepath.Dir(filepath.Dir(path))
		}
		return filepath.Dir(path)
	},
	Names: prismaName,
	Order: func(paths []string) []string {
		out := append([]string(nil), paths...)
		sort.SliceStable(out, func(i, j int) bool { return filepath.Base(filepath.Dir(out[i])) < filepath.Base(filepath.Dir(out[j])) })
		return out
	},
	Run: func(*File) Run { return Query },
	Exit: Exit{
		Versions: func(path string, n int, x *Index) ([]Version, error) {
			name, ok := prismaName(path)
			if !ok {
				return nil, noRoom("%s is not a Prisma migration.sql", path)
			}
			root := filepath.Dir(filepath.Dir(path))
			versions, err := numericVersions(name.Version, n, x.Versions(root, "prisma", func(b string) (string, bool) {
				v, _, ok := SplitVersion(b)
				return v, ok
			}))
			if err != nil {
				return nil, err
			}
			out := make([]Version, n)
			for i, v := range versions {
				out[i] = Version{Path: filepath.Join(root, v+"_"+name.Title, "migration.sql"), Body: func(sql string, _ bool) string { return sql }}
			}
			return out, nil
		},
	},
	Advice: func(a AdviceFor) string {
		if a.Explicit {
			return ""
		}
		return "move it alone into a migration of its own (a new `<timestamp>_<name>/migration.sql`): Prisma sends a whole migration.sql as one query"
	},
}

// prismaName reads TIMESTAMP_NAME/migration.sql.
func prismaName(path string) (Name, bool) {
	if filepath.Base(path) != "migration.sql" {
		return Name{}, false
	}
	v, title, ok := SplitVersion(filepath.Base(filepath.Dir(path)))
	if !ok || strings.Contains(title, "\n") {
		return Name{}, false
	}
	return Name{Version: v, Title: title}, true
}
