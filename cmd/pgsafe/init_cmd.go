package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
)

// schemaURL is where editors find the JSON Schema of .pgsafe.toml.
const schemaURL = "https://raw.githubusercontent.com/pgsafe/pgsafe/main/docs/pgsafe.schema.json"

func initCommand(e env) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented .pgsafe.toml with the migration tool detected in PATHs",
		ArgsUsage: "[PATH...] (folders to detect the migration tool in; default .)",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "pg-version", Usage: "the PostgreSQL major `VERSION` production runs, 11 to 18", Value: defaultPGVersion},
			&cli.BoolFlag{Name: "force", Usage: "replace a .pgsafe.toml that is already there"},
		},
		Action: func(c *cli.Context) error {
			v := c.Int("pg-version")
			if v < 11 || v > 18 {
				return usageError("--pg-version %d is out of range (11 to 18)", v)
			}
			paths := c.Args().Slice()
			if len(paths) == 0 {
				paths = []string{"."}
			}
			files, loadErrs, err := source.LoadContext(c.Context, paths, source.Options{Stdin: e.stdin})
			if err != nil {
				return interrupted()
			}
			for _, le := range loadErrs {
				fmt.Fprintf(e.stderr, "pgsafe: %v (left out of the detection)\n", le)
			}
			sets := detectTools(files, e.workdir)
			text := initConfig(v, sets, paths)
			path := filepath.Join(e.workdir, config.FileName)
			if c.Bool("force") {
				err = rewrite.WriteAtomic(path, []byte(text))
			} else {
				err = rewrite.CreateFile(c.Context, path, []byte(text))
			}
			if errors.Is(err, rewrite.ErrExists) {
				return usageError("%s already exists; pass --force to replace it", config.FileName)
			}
			if err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("%s: %w", config.FileName, err)}
			}
			_, err = fmt.Fprintf(e.stdout, "pgsafe: wrote %s: %s, PostgreSQL %d\n", config.FileName, describeSets(sets), v)
			return err
		},
	}
}

// migrationSet is a folder of migrations and the tool detected there.
type migrationSet struct {
	Dir      string // relative to the working directory, slash-separated
	Tool     string
	Evidence string
}

// detectTools returns the folders among files whose tool their files or
// the files beside them show (guesses left out), by folder.
func detectTools(files []source.File, workdir string) []migrationSet {
	inputs := make([]tool.Input, len(files))
	paths := make([]string, len(files))
	for i, f := range files {
		inputs[i] = tool.Input{Path: f.Path, Text: f.Text}
		paths[i] = f.Path
	}
	choices := tool.Choose(inputs, nil, tool.NewIndex(paths))
	seen := map[string]bool{}
	var sets []migrationSet
	for i, ch := range choices {
		if ch.Tool == nil || ch.Source != tool.Detected {
			continue
		}
		dir := filepath.Dir(files[i].Path)
		if filepath.IsAbs(dir) {
			if rel, err := filepath.Rel(workdir, dir); err == nil && !strings.HasPrefix(rel, "..") {
				dir = rel
			}
		}
		dir = filepath.ToSlash(dir)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		sets = append(sets, migrationSet{Dir: dir, Tool: ch.Tool.Name, Evidence: ch.Evidence})
	}
	sort.Slice(sets, func(i, j int) bool { return sets[i].Dir < sets[j].Dir })
	return sets
}

// describeSets says in words what init detected.
func describeSets(sets []migrationSet) string {
	tools := map[string]bool{}
	for _, s := range sets {
		tools[s.Tool] = true
	}
	switch {
	case len(sets) == 0:
		return "no migration tool detected (framework left to auto)"
	case len(tools) == 1 && len(sets) == 1:
		return fmt.Sprintf("framework %s (detected in %s)", sets[0].Tool, sets[0].Dir)
	case len(tools) == 1:
		return fmt.Sprintf("framework %s (detected in %d folders)", sets[0].Tool, len(sets))
	default:
		return fmt.Sprintf("%d migration tools in %d folders", len(tools), len(sets))
	}
}

// initConfig returns the text of a commented .pgsafe.toml for PostgreSQL
// pgVersion and the migration sets detected in paths.
func initConfig(pgVersion int, sets []migrationSet, paths []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# pgsafe settings; every key is described in
# https://github.com/pgsafe/pgsafe/blob/main/docs/configuration.md
# Editors that use taplo (VS Code's Even Better TOML, Helix, Zed) check this
# file against pgsafe's JSON Schema through the next line.
#:schema %s

# The PostgreSQL major version production runs, 11 to 18: rules whose hazard
# or safe form depends on the version follow it.
pg-version = %d

`, schemaURL, pgVersion)
	tools := map[string]bool{}
	for _, s := range sets {
		tools[s.Tool] = true
	}
	switch {
	case len(sets) == 0:
		fmt.Fprintf(&b, `# The migration tool that runs the files. None was detected in %s, so pgsafe
# guesses it for each folder on every run, and pgsafe fix leaves the rewrites
# that depend on it as advice. Name it, one of:
#   %s
# framework = "auto"
`, strings.Join(paths, ", "), frameworkNames())
	case len(tools) == 1:
		fmt.Fprintf(&b, "# The migration tool that runs the files, detected in\n")
		for _, s := range sets {
			fmt.Fprintf(&b, "#   %s (%s)\n", s.Dir, s.Evidence)
		}
		fmt.Fprintf(&b, "# \"auto\" would detect it again for each folder on every run.\nframework = %q\n", sets[0].Tool)
	default:
		b.WriteString("# The migration tools are set per folder in [frameworks], at the end.\n")
	}
	b.WriteString(`
# pgsafe lint exits 1 on a finding of at least this severity: "hint",
# "warning", "error" or "never".
fail-on = "warning"

# The lock_timeout that fixes write before a statement that takes a strong
# lock, so that it gives up rather than queue in front of every query.
lock-timeout = "2s"

# Rules not to run, by code or name; or select = [...] to run only those.
# ignore = ["PS040"]

# Files that never run against production (doublestar globs).
# exclude = ["**/testdata/**", "db/seeds/**"]

# Down migrations run only on developers' machines? Then leave them out.
# include-down = false

# The application's SQL files, checked against the schema the migrations leave.
# queries = ["internal/db/queries/*.sql"]

# The application's Go code: the SQL it passes to database/sql, sqlx, pgx and GORM.
# code = ["internal/**/*.go"]

# Make a rule's findings advice, or failures.
# [severity]
# require-concurrent-index = "hint"
`)
	if len(tools) > 1 {
		b.WriteString("\n# The tool that runs each migration folder, detected from its files.\n[frameworks]\n")
		for _, s := range sets {
			glob := s.Dir
			if glob == "." {
				glob = "*.sql" // the files beside this one
			}
			fmt.Fprintf(&b, "%q = %q # %s\n", glob, s.Tool, s.Evidence)
		}
	}
	return b.String()
}
