package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// Defaults used when neither a flag nor the config sets a value.
const (
	defaultPGVersion   = 15
	defaultLockTimeout = "2s"
	defaultBatchSize   = 10000
)

// commonFlags are the flags that every command reading migrations shares.
func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "read settings from `FILE` instead of the nearest .pgsafe.toml"},
		&cli.IntFlag{Name: "pg-version", Usage: "target PostgreSQL major `VERSION`, 11 to 18 (default 15)"},
		&cli.StringFlag{Name: "framework", Usage: "migration tool that runs the files: auto, " + frameworkNames() + " (default auto)"},
		&cli.StringSliceFlag{Name: "select", Usage: "run only these rules (`CODE|NAME`, repeatable or comma-separated)"},
		&cli.StringSliceFlag{Name: "ignore", Usage: "do not run these rules (`CODE|NAME`)"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "skip files matching `GLOB` (doublestar syntax, repeatable)"},
		&cli.BoolFlag{Name: "skip-down", Usage: "leave down migrations out"},
		&cli.StringFlag{Name: "stdin-filename", Usage: "file `NAME` to report, and to detect the framework from, when reading - (stdin)"},
	}
}

func frameworkNames() string {
	names := make([]string, len(migration.Frameworks))
	for i, f := range migration.Frameworks {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// settings are the resolved options of a run: flags win over the config.
type settings struct {
	lint   lint.Options
	source source.Options
	failOn rules.Severity
	cfg    *config.Config
}

func resolve(c *cli.Context, e env) (*settings, error) {
	cfg := &config.Config{}
	path := c.String("config")
	if path == "" {
		path = config.Find(e.workdir)
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(e.workdir, path)
	}
	if path != "" {
		loaded, err := config.Load(path)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: err}
		}
		cfg = loaded
	}
	s := &settings{cfg: cfg}
	all := rules.All()
	s.lint.Known = all

	// Severity overrides from the config.
	for key, sev := range cfg.Severity {
		r := rules.Lookup(all, key)
		if r == nil {
			return nil, &exitError{code: exitUsage, err: cfg.ErrorAt(key, fmt.Sprintf("severity: unknown rule %q", key))}
		}
		v, err := rules.ParseSeverity(sev)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: cfg.ErrorAt(key, "severity: "+err.Error())}
		}
		r.Severity = v
	}

	selected, err := pickRules(all, pick(c.StringSlice("select"), cfg.Select), pick(c.StringSlice("ignore"), cfg.Ignore), cfg)
	if err != nil {
		return nil, err
	}
	s.lint.Rules = selected

	s.lint.Rule.PGVersion = firstInt(c.Int("pg-version"), cfg.PGVersion, defaultPGVersion)
	if v := s.lint.Rule.PGVersion; v < 11 || v > 18 {
		return nil, usageError("--pg-version %d is out of range (11 to 18)", v)
	}
	s.lint.Rule.LockTimeout = firstString(cfg.LockTimeout, defaultLockTimeout)
	s.lint.Rule.StatementTimeout = cfg.StatementTimeout
	s.lint.Rule.BatchSize = firstInt(cfg.BatchSize, defaultBatchSize)

	fw, err := migration.ParseFramework(firstString(c.String("framework"), cfg.Framework))
	if err != nil {
		if c.String("framework") == "" {
			return nil, &exitError{code: exitUsage, err: cfg.ErrorAt("framework", err.Error())}
		}
		return nil, usageError("--framework: %v", err)
	}
	s.lint.Framework = fw
	s.lint.SkipDown = c.Bool("skip-down") || (cfg.IncludeDown != nil && !*cfg.IncludeDown)

	failOn := "warning"
	if c.IsSet("fail-on") {
		failOn = c.String("fail-on")
	} else if cfg.FailOn != "" {
		failOn = cfg.FailOn
	}
	if failOn == "never" {
		s.failOn = rules.Error + 1
	} else if s.failOn, err = rules.ParseSeverity(failOn); err != nil {
		return nil, usageError("--fail-on: %v (or never)", err)
	}

	s.source = source.Options{Exclude: append(append([]string{}, cfg.Exclude...), c.StringSlice("exclude")...), Stdin: e.stdin, StdinName: c.String("stdin-filename")}
	return s, nil
}

// pickRules applies select and ignore lists to all rules.
func pickRules(all []*rules.Rule, sel, ign []string, cfg *config.Config) ([]*rules.Rule, error) {
	lookup := func(list []string, what string) (map[string]bool, error) {
		m := map[string]bool{}
		for _, key := range list {
			for _, k := range strings.Split(key, ",") {
				k = strings.TrimSpace(k)
				if k == "" {
					continue
				}
				r := rules.Lookup(all, k)
				if r == nil {
					if cfg.Path != "" {
						return nil, &exitError{code: exitUsage, err: fmt.Errorf("%s: unknown rule %q (see `pgsafe rules`)", what, k)}
					}
					return nil, usageError("%s: unknown rule %q (see `pgsafe rules`)", what, k)
				}
				m[r.Code] = true
			}
		}
		return m, nil
	}
	selected, err := lookup(sel, "select")
	if err != nil {
		return nil, err
	}
	ignored, err := lookup(ign, "ignore")
	if err != nil {
		return nil, err
	}
	var out []*rules.Rule
	for _, r := range all {
		if (len(selected) == 0 || selected[r.Code]) && !ignored[r.Code] {
			out = append(out, r)
		}
	}
	return out, nil
}

func pick(flag, cfg []string) []string {
	if len(flag) > 0 {
		return flag
	}
	return cfg
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
