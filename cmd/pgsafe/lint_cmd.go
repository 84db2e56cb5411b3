package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
)

// lintFormats returns the values of lint's --format.
func lintFormats() []string { return []string{"text", "json", "github", "sarif", "gitlab"} }

func lintCommand(e env) *cli.Command {
	flags := append(commonFlags(),
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "output `FORMAT`: " + strings.Join(lintFormats(), ", ") + " (default: github when GITHUB_ACTIONS=true, else text)"},
		&cli.StringFlag{Name: "color", Usage: "colour the text output: `WHEN` is auto (on a terminal, unless NO_COLOR is set), always or never", Value: "auto"},
		&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding has at least this `SEVERITY`: hint, warning, error or never", Value: "warning"},
		&cli.StringFlag{Name: "changed-since", Usage: "report only on files added or changed since the git `REF` (earlier files are still read for context)"},
		&cli.StringFlag{Name: "baseline", Usage: "leave out the findings recorded in the baseline `FILE` (see pgsafe baseline)"},
	)
	return &cli.Command{
		Name:      "lint",
		Usage:     "report lock hazards in migration files",
		ArgsUsage: "PATH... (files, folders, globs, or - for stdin)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			start := time.Now()
			s, err := begin(c, e)
			if err != nil {
				return err
			}
			format, err := lintFormat(c, e)
			if err != nil {
				return err
			}
			colorOn, err := colorEnabled(c.String("color"), e)
			if err != nil {
				return err
			}
			sc, err := newScope(c, e, s.cfg)
			if err != nil {
				return err
			}
			if sc.changes != nil {
				// The changed migrations ship together: one release window.
				s.lint.Pending = sc.changes.Contains
			}
			files, loadErrs, err := source.LoadContext(c.Context, c.Args().Slice(), s.source)
			if err != nil {
				return interrupted()
			}
			queryErrs, err := s.loadSchemaInputs(c.Context, e)
			if err != nil {
				return err
			}
			loadErrs = append(loadErrs, queryErrs...)
			res, err := interruptible(c.Context, func() (*lint.Result, error) { return lint.Run(files, s.lint), nil })
			if err != nil {
				return interrupted()
			}
			// Each finding shows the fix that pgsafe fix would apply there.
			rewrite.Place(res)
			in := report.Input{Result: res, Errors: loadErrs, Rules: s.lint.Rules}
			sc.narrow(&in, e.workdir)
			// PGSAFE_NO_TIMING leaves timings out, for output that must
			// not change from run to run (golden tests).
			noTiming := e.getenv("PGSAFE_NO_TIMING") != ""
			if !noTiming {
				in.Duration = time.Since(start)
			}
			if err := render(format, in, colorOn, noTiming, e); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if path := e.getenv("GITHUB_STEP_SUMMARY"); format == "github" && path != "" {
				if err := appendSummary(c.Context, path, in, files, s, e); err != nil {
					if c.Err() != nil {
						return interrupted()
					}
					// The annotations are out: a summary that cannot be
					// written is worth a warning, not a failed step.
					if err := report.GitHubWarning(e.stdout, fmt.Sprintf("the job summary was not written to GITHUB_STEP_SUMMARY (%s): %v", path, err)); err != nil {
						return &exitError{code: exitUsage, err: err}
					}
				}
			}
			if len(loadErrs) > 0 {
				return &exitError{code: exitUsage}
			}
			for _, d := range in.Result.Diagnostics {
				if d.Severity >= s.failOn {
					return &exitError{code: exitFindings}
				}
			}
			return nil
		},
	}
}

// lintFormat returns the --format of lint: the flag when given, else
// github inside GitHub Actions (GITHUB_ACTIONS=true), else text.
func lintFormat(c *cli.Context, e env) (string, error) {
	format := c.String("format")
	if !c.IsSet("format") {
		format = "text"
		if e.getenv("GITHUB_ACTIONS") == "true" {
			format = "github"
		}
	}
	for _, f := range lintFormats() {
		if f == format {
			return format, nil
		}
	}
	return "", usageError("--format %q: want %s", format, strings.Join(lintFormats(), ", "))
}

// render writes the report in format on standard output. The formats
// without a place for unreadable inputs (gitlab) print them on standard
// error.
func render(format string, in report.Input, colorOn, noTiming bool, e env) error {
	switch format {
	case "json":
		return report.JSON(e.stdout, in)
	case "github":
		return report.GitHub(e.stdout, in, ciOptions(e, "GITHUB_WORKSPACE"))
	case "sarif":
		return report.SARIF(e.stdout, in, ciOptions(e, "GITHUB_WORKSPACE"))
	case "gitlab":
		for _, err := range in.Errors {
			fmt.Fprintf(e.stderr, "pgsafe: %v\n", err)
		}
		return report.GitLab(e.stdout, in, ciOptions(e, "CI_PROJECT_DIR"))
	default:
		return report.Text(e.stdout, in, report.TextOptions{Color: colorOn, NoTiming: noTiming})
	}
}

// appendSummary appends the Markdown job summary to the file at path
// (GITHUB_STEP_SUMMARY), with the diff of the safe fixes that pgsafe fix
// would make to the same files with the same settings. Its error says why
// the file could not be written, without repeating the path.
func appendSummary(ctx context.Context, path string, in report.Input, files []source.File, s *settings, e env) error {
	fixes, err := interruptible(ctx, func() (*rewrite.Result, error) {
		return rewrite.FixContext(ctx, files, s.lint, rewrite.Options{})
	})
	if ctx.Err() != nil {
		return interrupted()
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "pgsafe: the job summary leaves the fixes out: %v\n", err)
		fixes = nil
	}
	f, err := os.OpenFile(absPath(path, e.workdir), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return withoutPath(err)
	}
	if err := report.GitHubSummary(f, in, fixes, ciOptions(e, "GITHUB_WORKSPACE")); err != nil {
		_ = f.Close()
		return withoutPath(err)
	}
	return withoutPath(f.Close())
}

// withoutPath returns the cause of a file system error without the path
// and operation that *fs.PathError adds, or err itself.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ciOptions returns the options of the CI formats: pgsafe's version, the
// folder that the environment variable rootVar names (the checkout's root,
// in CI), which absolute paths inside it are given relative to, and a
// prefix that puts relative paths under the working directory's place in
// that folder, when it lies there.
func ciOptions(e env, rootVar string) report.CIOptions {
	opts := report.CIOptions{ToolVersion: e.version}
	root := e.getenv(rootVar)
	if root == "" || !filepath.IsAbs(root) {
		return opts
	}
	root = filepath.Clean(root)
	opts.Root = root
	if e.workdir == "" {
		return opts
	}
	rel, err := filepath.Rel(root, e.workdir)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return opts
	}
	opts.PathPrefix = filepath.ToSlash(rel) + "/"
	return opts
}

// colorEnabled decides on colour: --color wins, then NO_COLOR, then
// whether stdout is a terminal.
func colorEnabled(mode string, e env) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		return e.getenv("NO_COLOR") == "" && e.isTerminal(e.stdout), nil
	default:
		return false, usageError("--color %q: want auto, always or never", mode)
	}
}
