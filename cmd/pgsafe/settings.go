package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// Defaults used when neither a flag nor the config sets a value.
const (
	defaultPGVersion   = 15
	defaultLockTimeout = "2s"
)

// commonFlags are the flags that every command reading migrations shares.
func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "read settings from `FILE` instead of the nearest .pgsafe.toml"},
		&cli.IntFlag{Name: "pg-version", Usage: "target PostgreSQL major `VERSION`, 11 to 18", DefaultText: fmt.Sprint(defaultPGVersion)},
		&cli.StringFlag{Name: "framework", Usage: "`NAME` of the migration tool that runs the files: auto, " + frameworkNames(), DefaultText: "auto"},
		&cli.StringSliceFlag{Name: "select", Usage: "run only these rules (`CODE|NAME`, repeatable or comma-separated)"},
		&cli.StringSliceFlag{Name: "ignore", Usage: "do not run these rules (`CODE|NAME`)"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "skip files matching `GLOB` (doublestar syntax, repeatable)"},
		&cli.BoolFlag{Name: "skip-down", Usage: "leave down migrations out"},
		&cli.StringFlag{Name: "stdin-filename", Usage: "file `NAME` to report, and to detect the framework from, when reading - (stdin)"},
		&cli.StringSliceFlag{Name: "queries", Usage: "the application's SQL files (`GLOB`, repeatable), checked against the schema the migrations leave"},
		&cli.StringSliceFlag{Name: "code", Usage: "the application's Go files (`GLOB` or folder, repeatable; _test.go files only when named): the SQL they pass to database/sql, sqlx, pgx and GORM is checked like --queries"},
		&cli.StringFlag{Name: "schema", Usage: "start from the schema in `FILE` (pg_dump --schema-only output)"},
		&cli.StringFlag{Name: "database-url", Usage: "start from the schema of the database at `URL`"},
		&cli.StringFlag{Name: "max-file-size", Usage: "refuse inputs larger than `SIZE` (bytes, or with a unit: 512KiB, 64MiB, 1GiB)", DefaultText: "64MiB"},
	}
}

func frameworkNames() string { return strings.Join(tool.Names(), ", ") }

// settings are the resolved options of a run: flags win over the config.
type settings struct {
	lint   lint.Options
	source source.Options
	failOn rules.Severity
	cfg    *config.Config
	schema schemaInputs
	// codeFiles are the Go files that --code read, with the text read,
	// whether or not they send SQL (loadCode).
	codeFiles []source.File
}

func resolve(c *cli.Context, e env) (*settings, error) {
	cfg, err := loadConfig(c.String("config"), c.Args().Slice(), c.String("stdin-filename"), e)
	if err != nil {
		return nil, err
	}
	return resolveConfig(c, e, cfg)
}

// resolveConfig resolves a run's settings from its flags and the config
// cfg.
func resolveConfig(c *cli.Context, e env, cfg *config.Config) (*settings, error) {
	var err error
	s := &settings{cfg: cfg}
	all := rules.All()
	s.lint.Known = all

	// Severity overrides from the config, in key order so that the first
	// bad key is the one reported.
	keys := make([]string, 0, len(cfg.Severity))
	for key := range cfg.Severity {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		r := rules.Lookup(all, key)
		if r == nil {
			return nil, &exitError{code: exitUsage, err: cfg.ErrorAt(fmt.Sprintf("severity: unknown rule %q (see `pgsafe rules`)", key), "severity", key)}
		}
		v, err := rules.ParseSeverity(cfg.Severity[key])
		if err != nil {
			return nil, &exitError{code: exitUsage, err: cfg.ErrorAt("severity: "+err.Error(), "severity", key)}
		}
		r.Severity = v
	}

	sel, err := ruleSet(all, "select", c.StringSlice("select"), cfg.Select, cfg)
	if err != nil {
		return nil, err
	}
	ign, err := ruleSet(all, "ignore", c.StringSlice("ignore"), cfg.Ignore, cfg)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if (len(sel) == 0 || sel[r.Code]) && !ign[r.Code] {
			s.lint.Rules = append(s.lint.Rules, r)
		}
	}

	s.lint.Rule.PGVersion = firstInt(cfg.PGVersion, defaultPGVersion)
	if c.IsSet("pg-version") {
		v := c.Int("pg-version")
		if v < 11 || v > 18 {
			return nil, usageError("--pg-version %d is out of range (11 to 18)", v)
		}
		s.lint.Rule.PGVersion = v
	}
	s.lint.Rule.LockTimeout = firstString(cfg.LockTimeout, defaultLockTimeout)
	s.lint.Rule.StatementTimeout = cfg.StatementTimeout
	s.lint.Rule.BatchSize = firstInt(cfg.BatchSize, rules.DefaultBatchSize)
	s.lint.Rule.TypeChangeDrop = firstString(cfg.TypeChangeDrop, rules.DropInSwap)

	if s.lint.Tools, err = toolSettings(c, cfg, e); err != nil {
		return nil, err
	}
	// down-migrations: "skip" leaves them out, "warn-only" caps their
	// findings at warning; --skip-down wins over the config.
	s.lint.SkipDown = cfg.DownMigrations == "skip" || (cfg.IncludeDown != nil && !*cfg.IncludeDown)
	s.lint.DownWarnOnly = cfg.DownMigrations == "warn-only"
	if c.IsSet("skip-down") {
		s.lint.SkipDown = c.Bool("skip-down")
	}

	failOn := "warning"
	if c.IsSet("fail-on") {
		failOn = c.String("fail-on")
	} else if cfg.FailOn != "" {
		failOn = cfg.FailOn
	}
	if failOn == "never" {
		s.failOn = rules.Error + 1
	} else if s.failOn, err = rules.ParseSeverity(failOn); err != nil {
		return nil, usageError("--fail-on %q: want hint, warning, error or never", failOn)
	}

	s.source = source.Options{Exclude: append(append([]string{}, cfg.Exclude...), c.StringSlice("exclude")...), Stdin: e.stdin, StdinName: c.String("stdin-filename"), OnRead: readHook(e)}
	if cfg.MaxFileSize != "" {
		// Checked when the config was read.
		s.source.MaxFileSize, _ = source.ParseSize(cfg.MaxFileSize)
	}
	if c.IsSet("max-file-size") {
		if s.source.MaxFileSize, err = source.ParseSize(c.String("max-file-size")); err != nil {
			return nil, usageError("--max-file-size: %v", err)
		}
	}

	s.schema = schemaInputs{queries: c.StringSlice("queries"), code: c.StringSlice("code"), schema: c.String("schema"), databaseURL: c.String("database-url")}
	if len(s.schema.queries) == 0 {
		for _, q := range cfg.Queries {
			s.schema.queries = append(s.schema.queries, fromWorkdir(e, cfg.Rel(q)))
		}
	}
	if len(s.schema.code) == 0 {
		for _, g := range cfg.Code {
			s.schema.code = append(s.schema.code, fromWorkdir(e, cfg.Rel(g)))
		}
	}
	// Standard input holds one file.
	stdin := slices.Contains(c.Args().Slice(), "-")
	for _, in := range []struct {
		flag  string
		paths []string
	}{{"--queries", s.schema.queries}, {"--code", s.schema.code}} {
		if slices.Contains(in.paths, "-") {
			if stdin {
				return nil, usageError("%s - and another input both read standard input: give it to one", in.flag)
			}
			stdin = true
		}
	}
	if s.schema.schema == "" && s.schema.databaseURL == "" {
		s.schema.schema, s.schema.databaseURL = fromWorkdir(e, cfg.Rel(cfg.Schema)), cfg.DatabaseURL
	}
	if s.schema.schema != "" && s.schema.databaseURL != "" {
		return nil, usageError("--schema and --database-url both name a starting schema; give one")
	}
	return s, nil
}

// toolSettings returns the settings that name migration tools, first
// match first: --framework for every file, then the config's [frameworks]
// globs in file order, then its framework for every file.
func toolSettings(c *cli.Context, cfg *config.Config, e env) ([]tool.Setting, error) {
	var out []tool.Setting
	if name := c.String("framework"); name != "" {
		t, err := tool.Lookup(name)
		if err != nil {
			return nil, usageError("--framework: %v", err)
		}
		if t != nil {
			return []tool.Setting{{Tool: t, Source: tool.FromFlag}}, nil
		}
		// --framework auto: detect every file, whatever the config says.
		return nil, nil
	}
	for _, pat := range cfg.FrameworkOrder {
		t, err := tool.Lookup(cfg.Frameworks[pat])
		if err != nil {
			return nil, &exitError{code: exitUsage, err: cfg.ErrorAt("frameworks: "+err.Error(), "frameworks", pat)}
		}
		if t == nil {
			continue
		}
		out = append(out, tool.Setting{Tool: t, Source: tool.FromConfig, Pattern: pat, Match: configGlob(cfg, e, pat)})
	}
	t, err := tool.Lookup(cfg.Framework)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: cfg.ErrorAt("framework: "+err.Error(), "framework")}
	}
	if t != nil {
		out = append(out, tool.Setting{Tool: t, Source: tool.FromConfig})
	}
	return out, nil
}

// configGlob returns whether a path, as the user named it from the
// working directory, matches pat, a glob relative to the config file's
// folder that names migration folders or files.
func configGlob(cfg *config.Config, e env, pat string) func(string) bool {
	return func(path string) bool {
		abs := absPath(path, e.workdir)
		rel, err := filepath.Rel(cfg.Dir, abs)
		if cfg.Dir == "" || err != nil {
			rel = path
		}
		if filepath.IsAbs(pat) {
			rel = abs
		}
		rel = filepath.ToSlash(rel)
		pat = strings.TrimSuffix(pat, "/")
		for _, p := range []string{pat, pat + "/**"} {
			if ok, _ := doublestar.Match(p, rel); ok {
				return true
			}
		}
		return false
	}
}

// loadConfig reads the file named by --config (flag), or else the
// nearest .pgsafe.toml above the folders of the paths to read (as ruff
// does), so that `pgsafe lint db/migrations` run from a monorepo's root
// reads db/.pgsafe.toml. The paths must share their nearest config: a run
// reads its migrations as one set, under one configuration. No file gives
// an empty config. Errors name the file relative to the working directory
// when it lies there, as the user would type it.
func loadConfig(flag string, paths []string, stdinName string, e env) (*config.Config, error) {
	path, display := flag, flag
	if path == "" {
		var err error
		if path, err = nearestConfig(paths, stdinName, e); err != nil {
			return nil, err
		}
		if path == "" {
			return &config.Config{}, nil
		}
		display = displayPath(path, e)
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(e.workdir, path)
	}
	cfg, err := config.LoadAs(path, display)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return cfg, nil
}

// nearestConfig returns the path of the .pgsafe.toml nearest to the
// paths a run reads, "" for none: for each path, the first found from the
// folder it names (a folder, a file's folder, a glob's folder before its
// first pattern, the folder of --stdin-filename for -) upwards. It is an
// error for two paths to have different nearest configs.
func nearestConfig(paths []string, stdinName string, e env) (string, error) {
	if len(paths) == 0 {
		return config.Find(e.workdir), nil
	}
	found, first := "", ""
	for i, p := range paths {
		cfg := config.Find(searchDir(p, stdinName, e.workdir))
		if i == 0 {
			found, first = cfg, p
			continue
		}
		if cfg != found {
			return "", usageError("%s and %s have different configs (%s and %s): lint each migration set in a run of its own, or name one config with --config", first, p, configName(found, e), configName(cfg, e))
		}
	}
	return found, nil
}

// checkConfigs returns an error naming the first of files whose nearest
// .pgsafe.toml is not cfg, the run's config found from the paths named (a
// folder named from the root of a monorepo that holds a migration set
// with its own config, say); nil when --config named cfg.
func checkConfigs(c *cli.Context, cfg *config.Config, files []source.File, e env) error {
	if c.String("config") != "" {
		return nil
	}
	want := ""
	if cfg.Dir != "" {
		want = filepath.Join(cfg.Dir, config.FileName)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if f.Path == "-" || f.Path == c.String("stdin-filename") || f.Path == "<stdin>" {
			continue
		}
		dir := filepath.Dir(absPath(f.Path, e.workdir))
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if got := config.Find(dir); got != want {
			return usageError("%s is under %s, but this run reads %s: lint that folder in a run of its own, or name one config with --config", f.Path, configName(got, e), configName(want, e))
		}
	}
	return nil
}

// searchDir returns the absolute folder that the config of the path p
// (a file, a folder, a glob or - for stdin) is searched from.
func searchDir(p, stdinName, workdir string) string {
	if p == "-" {
		if stdinName == "" {
			return workdir
		}
		return filepath.Dir(absPath(stdinName, workdir))
	}
	if i := strings.IndexAny(p, "*?[{"); i >= 0 {
		// The folder before the first segment with a pattern.
		return filepath.Dir(absPath(p[:i]+"x", workdir))
	}
	abs := absPath(p, workdir)
	if info, err := os.Stat(abs); err == nil && info.IsDir() {
		return abs
	}
	return filepath.Dir(abs)
}

// configName names a config path for messages: relative to the working
// directory when it lies there, "no .pgsafe.toml" for "".
func configName(path string, e env) string {
	if path == "" {
		return "no " + config.FileName
	}
	return displayPath(path, e)
}

// displayPath returns path relative to the working directory when that
// is shorter to read, as the user would type it.
func displayPath(path string, e env) string {
	if rel, err := filepath.Rel(e.workdir, path); err == nil {
		return rel
	}
	return path
}

// ruleSet resolves the --select or --ignore list (what), or the config's
// list of the same name (fromFile) when the flag is not given, to a set of
// codes. Flag values may be repeated or comma-separated.
func ruleSet(all []*rules.Rule, what string, flag, fromFile []string, cfg *config.Config) (map[string]bool, error) {
	list, fromConfig := flag, false
	if len(flag) == 0 {
		list, fromConfig = fromFile, true
	}
	set := map[string]bool{}
	for _, item := range list {
		for _, k := range strings.Split(item, ",") {
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			r := rules.Lookup(all, k)
			if r == nil {
				msg := fmt.Sprintf("%s: unknown rule %q (see `pgsafe rules`)", what, k)
				if fromConfig {
					return nil, &exitError{code: exitUsage, err: cfg.ErrorAt(msg, what)}
				}
				return nil, usageError("--%s", msg)
			}
			set[r.Code] = true
		}
	}
	return set, nil
}

// fromWorkdir returns path relative to the working directory when it
// lies there, so that reports name files as the user would.
func fromWorkdir(e env, path string) string {
	if path == "" || !filepath.IsAbs(path) {
		return path
	}
	if rel, err := filepath.Rel(e.workdir, path); err == nil {
		return rel
	}
	return path
}

func firstInt(vs ...int) int {
	for _, v := range vs {
		if v != 0 {
			return v
		}
	}
	return 0
}

func firstString(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// readHook returns, when PGSAFE_DEBUG_READS is set, a function that says
// on standard error which input pgsafe is about to read, for tests that
// must wait until a run reads its inputs (to interrupt it then), and for
// finding the input a run is stuck on; nil otherwise.
func readHook(e env) func(string) {
	if e.getenv("PGSAFE_DEBUG_READS") == "" {
		return nil
	}
	var mu sync.Mutex
	return func(path string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(e.stderr, "pgsafe: reading %s\n", path)
	}
}

// absPath returns p taken from workdir when relative.
func absPath(p, workdir string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(workdir, p)
}

// begin starts a command that reads migrations: it checks that PATHs were
// given, resolves the settings, and checks --format against formats (none
// to skip the check). It starts the parser's one-time setup in the
// background, to be done by the time the files are read.
func begin(c *cli.Context, e env, formats ...string) (*settings, error) {
	if c.NArg() == 0 {
		return nil, usageError("%s needs at least one PATH (a file, folder, glob, or - for stdin)", c.Command.Name)
	}
	go sqlparse.Warm()
	s, err := resolve(c, e)
	if err != nil {
		return nil, err
	}
	if len(formats) > 0 {
		f := c.String("format")
		for _, want := range formats {
			if f == want {
				return s, nil
			}
		}
		return nil, usageError("--format %q: want %s", f, strings.Join(formats, " or "))
	}
	return s, nil
}
