package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/internal/fingerprint"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rewrite"
)

// lintFormats returns the values of lint's --format.
func lintFormats() []string {
	return []string{"text", "concise", "json", "github", "sarif", "gitlab"}
}

func lintCommand(e env) *cli.Command {
	flags := append(commonFlags(),
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "output `FORMAT`: " + strings.Join(lintFormats(), ", ") + " (default: github when GITHUB_ACTIONS=true, else text)"},
		&cli.StringFlag{Name: "color", Usage: "colour the text output: `WHEN` is auto (on a terminal, unless NO_COLOR is set or TERM=dumb; FORCE_COLOR or CLICOLOR_FORCE force it), always or never", Value: "auto"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the findings: no summary lines"},
		&cli.StringFlag{Name: "output-file", Aliases: []string{"o"}, Usage: "write the --format report to `FILE` (atomically); standard output gets the text report (github annotations when GITHUB_ACTIONS=true)"},
		&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding has at least this `SEVERITY`: hint, warning, error or never", Value: "warning"},
		&cli.StringFlag{Name: "changed-since", Usage: "report only on files added or changed since the git `REF` (earlier files are still read for context)"},
		&cli.StringFlag{Name: "baseline", Usage: "leave out the findings recorded in the baseline `FILE` (see pgsafe baseline)"},
		&cli.BoolFlag{Name: "statistics", Usage: "print the number of findings of each rule instead of the findings ([*]: pgsafe fix can fix some)"},
	)
	flags = append(flags, estimateFlags()...)
	return &cli.Command{
		Name:      "lint",
		Usage:     "report lock hazards in migration files",
		ArgsUsage: "PATH... (files, folders, globs, or - for stdin)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			start := time.Now()
			if c.NArg() == 0 {
				return usageError("%s needs at least one PATH (a file, folder, glob, or - for stdin)", c.Command.Name)
			}
			format, err := lintFormat(c, e)
			if err != nil {
				return err
			}
			if c.Bool("statistics") && format != "text" && format != "concise" {
				return usageError("--statistics prints a table of its own: it goes with --format text or concise, not %s", format)
			}
			colorOn, err := colorEnabled(c.String("color"), e)
			if err != nil {
				return err
			}
			groups, err := configGroups(c, e)
			if err != nil {
				return err
			}
			all := map[string]bool{}
			for _, g := range groups {
				all[g.path] = true
			}
			var runs []*lintRun
			for _, g := range groups {
				r, err := lintGroup(c, e, g, all)
				if err != nil {
					return err
				}
				runs = append(runs, r)
			}
			in := mergeRuns(runs)
			// PGSAFE_NO_TIMING leaves timings out, for output that must
			// not change from run to run (golden tests).
			noTiming := e.getenv("PGSAFE_NO_TIMING") != ""
			if !noTiming {
				in.Duration = time.Since(start)
			}
			console := format
			if out := c.String("output-file"); out != "" {
				if err := renderFile(absPath(out, e.workdir), format, in, noTiming, c.Bool("quiet"), e); err != nil {
					return &exitError{code: exitUsage, err: fmt.Errorf("--output-file %s: %w", out, err)}
				}
				console = consoleFormat(e)
			}
			if c.Bool("statistics") {
				console = "statistics"
			}
			if err := render(e.stdout, console, in, report.TextOptions{Color: colorOn, NoTiming: noTiming, Quiet: c.Bool("quiet")}, e); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if path := e.getenv("GITHUB_STEP_SUMMARY"); (format == "github" || console == "github") && path != "" {
				for _, r := range runs {
					if err := appendSummary(c.Context, path, r.in, r.files, r.s, e); err != nil {
						if c.Err() != nil {
							return interrupted()
						}
						// The annotations are out: a summary that cannot be
						// written is worth a warning, not a failed step.
						if err := report.GitHubWarning(e.stdout, fmt.Sprintf("the job summary was not written to GITHUB_STEP_SUMMARY (%s): %v", path, err)); err != nil {
							return &exitError{code: exitUsage, err: err}
						}
						break
					}
				}
			}
			if len(in.Errors) > 0 {
				return &exitError{code: exitUsage}
			}
			for _, r := range runs {
				for _, d := range r.in.Result.Diagnostics {
					if d.Severity >= r.s.failOn {
						return &exitError{code: exitFindings}
					}
				}
			}
			return nil
		},
	}
}

// lintRun is the lint of one config group: its settings, files and
// report.
type lintRun struct {
	s     *settings
	files []source.File
	in    report.Input
}

// lintGroup lints the inputs of g under its config; all holds the config
// paths of every group of the run (see configGroup.own).
func lintGroup(c *cli.Context, e env, g *configGroup, all map[string]bool) (*lintRun, error) {
	go sqlparse.Warm()
	s, err := resolveConfig(c, e, g.cfg)
	if err != nil {
		return nil, err
	}
	sc, err := newScope(c, e, s.cfg)
	if err != nil {
		return nil, err
	}
	files, loadErrs, err := source.LoadContext(c.Context, g.args, s.source)
	if err != nil {
		return nil, interrupted()
	}
	if files, err = g.own(c, files, all, e); err != nil {
		return nil, err
	}
	// The migrations that have not shipped ship together: one release
	// window.
	if _, err := applyReleases(c.Context, e, s, sc.changes, sc.ref, files); err != nil {
		return nil, err
	}
	queryErrs, err := s.loadSchemaInputs(c.Context, e)
	if err != nil {
		return nil, err
	}
	loadErrs = append(loadErrs, queryErrs...)
	est, err := estimateOptions(c, e, s.cfg)
	if err != nil {
		return nil, err
	}
	res, err := interruptible(c.Context, func() (*lint.Result, error) { return lint.Run(files, s.lint), nil })
	if err != nil {
		return nil, interrupted()
	}
	// The rules have spoken; with a snapshot, each lock finding learns
	// what it would cost on production, before anything is reported.
	if est != nil {
		estimate.Apply(res, *est)
	}
	// Each finding shows the fix that pgsafe fix would apply there.
	rewrite.Place(res)
	in := report.Input{Result: res, Errors: loadErrs, Rules: s.lint.Rules}
	sc.narrow(&in, e.workdir)
	return &lintRun{s: s, files: files, in: in}, nil
}

// mergeRuns returns one report of the runs of a lint's config groups:
// their folders, files and findings in the order of the groups, and the
// rules any of them enabled.
func mergeRuns(runs []*lintRun) report.Input {
	if len(runs) == 1 {
		return runs[0].in
	}
	res := &lint.Result{}
	out := report.Input{Result: res}
	seen := map[string]bool{}
	for _, r := range runs {
		rr := r.in.Result
		res.Folders = append(res.Folders, rr.Folders...)
		res.Files = append(res.Files, rr.Files...)
		res.Queries = append(res.Queries, rr.Queries...)
		res.Skipped = append(res.Skipped, rr.Skipped...)
		res.Diagnostics = append(res.Diagnostics, rr.Diagnostics...)
		res.Statements += rr.Statements
		fps := r.in.Fingerprints
		if len(fps) != len(rr.Diagnostics) {
			fps = fingerprint.Of(rr, nil)
		}
		out.Fingerprints = append(out.Fingerprints, fps...)
		out.Errors = append(out.Errors, r.in.Errors...)
		out.Baselined += r.in.Baselined
		for _, rule := range r.in.Rules {
			if !seen[rule.Code] {
				seen[rule.Code] = true
				out.Rules = append(out.Rules, rule)
			}
		}
	}
	sort.SliceStable(res.Folders, func(i, j int) bool { return res.Folders[i].Path < res.Folders[j].Path })
	return out
}

// lintFormat returns the --format of lint: the flag when given, else
// the console format.
func lintFormat(c *cli.Context, e env) (string, error) {
	format := c.String("format")
	if !c.IsSet("format") {
		format = consoleFormat(e)
	}
	for _, f := range lintFormats() {
		if f == format {
			return format, nil
		}
	}
	return "", usageError("--format %q: want %s", format, strings.Join(lintFormats(), ", "))
}

// consoleFormat returns the format of lint's report on standard output
// when --format does not name one, or names the format of --output-file:
// github inside GitHub Actions (GITHUB_ACTIONS=true), else text.
func consoleFormat(e env) string {
	if e.getenv("GITHUB_ACTIONS") == "true" {
		return "github"
	}
	return "text"
}

// render writes the report in format to w. The formats without a place
// for unreadable inputs (gitlab) print them on standard error.
func render(w io.Writer, format string, in report.Input, text report.TextOptions, e env) error {
	switch format {
	case "json":
		return report.JSON(w, in)
	case "github":
		return report.GitHub(w, in, ciOptions(e, "GITHUB_WORKSPACE"))
	case "sarif":
		return report.SARIF(w, in, ciOptions(e, "GITHUB_WORKSPACE"))
	case "concise":
		return report.Concise(w, in, text)
	case "statistics":
		return report.Statistics(w, in, text)
	case "gitlab":
		for _, err := range in.Errors {
			fmt.Fprintf(e.stderr, "pgsafe: %v\n", err)
		}
		return report.GitLab(w, in, ciOptions(e, "CI_PROJECT_DIR"))
	default:
		return report.Text(w, in, text)
	}
}

// renderFile writes the report in format to the file at path, replacing
// it atomically once the whole report is rendered: a run that fails
// before leaves the file as it was, never empty or half written. Text
// goes to a file without colour.
func renderFile(path, format string, in report.Input, noTiming, quiet bool, e env) error {
	var b bytes.Buffer
	if err := render(&b, format, in, report.TextOptions{NoTiming: noTiming, Quiet: quiet}, e); err != nil {
		return err
	}
	return rewrite.WriteAtomic(path, b.Bytes())
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

// colorEnabled decides on colour: --color always or never wins; with
// auto, NO_COLOR turns it off, then FORCE_COLOR or CLICOLOR_FORCE (set
// and not "0" or "false") turn it on, then TERM=dumb turns it off, and
// otherwise standard output being a terminal decides. NO_COLOR comes
// first as in anstream (ruff) and no-color.org: it is the user's own
// choice, where the others are usually set for a whole CI job.
func colorEnabled(mode string, e env) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		switch {
		case e.getenv("NO_COLOR") != "":
			return false, nil
		case forced(e.getenv("FORCE_COLOR")) || forced(e.getenv("CLICOLOR_FORCE")):
			return true, nil
		case e.getenv("TERM") == "dumb":
			return false, nil
		default:
			return e.isTerminal(e.stdout), nil
		}
	default:
		return false, usageError("--color %q: want auto, always or never", mode)
	}
}

// forced reports whether a FORCE_COLOR or CLICOLOR_FORCE value asks for
// colour: set, and not "0" or "false".
func forced(v string) bool {
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}
