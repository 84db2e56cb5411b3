package rewrite

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite/split"
	"github.com/pgsafe/pgsafe/rules"
)

// Place gives each fix of res's findings that replaces its statement with
// steps the edits it would make on its own, with where the steps go in
// its title (", in new migration 4_x.up.sql"): the file's migration tool
// decides (package split). A fix whose steps have no place, or whose file
// is run by a tool that pgsafe only guessed, becomes display-only and
// says why. The lint report runs it so that each finding shows the fix
// that pgsafe fix would apply.
func Place(res *lint.Result) {
	files := map[string]*migration.File{}
	paths := make([]string, 0, len(res.Files))
	for _, f := range res.Files {
		files[f.Path] = f
		paths = append(paths, f.Path)
	}
	x := tool.NewIndex(paths)
	for i := range res.Diagnostics {
		d := &res.Diagnostics[i]
		for j := range d.Fixes {
			switch {
			case d.Fixes[j].Safety == rules.DisplayOnly:
			case guessedVariant(files[d.Path]):
				f := files[d.Path]
				d.Fixes[j] = displayOnly(d.Fixes[j], fmt.Sprintf("pgsafe only guessed that %s runs this file, which other databases may run too; name the tool (framework = %q) to apply it", f.Tool.Name, f.Tool.Name))
			case len(d.Fixes[j].Steps) > 0 && d.Fixes[j].Edits == nil:
				d.Fixes[j] = placeAlone(files[d.Path], d.Fixes[j], x, paths)
			default:
			}
		}
	}
}

// placeAlone plans the steps of fx in f as the only replacement; paths
// are the run's files.
func placeAlone(f *migration.File, fx rules.Fix, x *tool.Index, paths []string) rules.Fix {
	if why := unplaceable(f, fx); why != "" {
		return displayOnly(fx, why)
	}
	plan := planFile(f, []rules.Fix{fx}, x, paths)
	if err := plan.Placed[0].Err; err != nil {
		return displayOnly(fx, err.Error())
	}
	out := fx
	out.Title = titled(fx.Title, plan.Placed[0].How)
	out.Edits = fixEdits(plan.Edits, f.Path)
	return out
}

// unplaceable says why the steps of fx cannot be placed in f at all, ""
// when they may be.
func unplaceable(f *migration.File, fx rules.Fix) string {
	switch {
	case f == nil || fx.Stmt < 0 || fx.Stmt >= len(f.Statements):
		return "the statement is not in the file"
	case slices.ContainsFunc(fx.Also, func(a rules.Replacement) bool { return a.Stmt < 0 || a.Stmt >= len(f.Statements) }):
		return "the statement is not in the file"
	case !f.Choice.Source.Certain():
		return fmt.Sprintf("pgsafe only guessed that %s runs this file; name the tool (framework = %q) to apply it", f.Tool.Name, f.Tool.Name)
	default:
		return ""
	}
}

// displayOnly turns fx into advice that says why it cannot be applied.
func displayOnly(fx rules.Fix, why string) rules.Fix {
	out := rules.Recipe(fx.Title + " (" + why + ")")
	out.After = fx.After
	return out
}

// titled adds where steps went to a fix's title.
func titled(title, how string) string {
	if how == "" || how == "in place" {
		return title
	}
	return title + ", " + how
}

// splitSteps converts a fix's steps for the planner.
func splitSteps(steps []rules.Step) []split.Step {
	out := make([]split.Step, len(steps))
	for i, s := range steps {
		out[i] = split.Step{SQL: s.SQL, NoTransaction: s.NoTransaction}
	}
	return out
}

// fixEdits converts a plan's edits to a fix's, with "" for the file's own
// path.
func fixEdits(edits []tool.Edit, path string) []rules.Edit {
	out := make([]rules.Edit, len(edits))
	for i, e := range edits {
		p := e.Path
		if p == path {
			p = ""
		}
		out[i] = rules.Edit{Path: p, Start: e.Start, End: e.End, NewText: e.NewText}
	}
	return out
}

// planFile places the steps of fixes, fixes of statements of f, in one
// plan, with the contract parts of those that have one in one new
// migration (split.Contract) whose name the fixes' How then gives. A fix
// whose contract has no place is left out of the plan, with the reason:
// its expand part alone would drop nothing and keep a sync trigger
// forever. paths are the run's files.
func planFile(f *migration.File, fixes []rules.Fix, x *tool.Index, paths []string) split.Plan {
	out := split.Plan{Placed: make([]split.Placed, len(fixes))}
	ids := unclaimed(f, fixes, out.Placed)
	for {
		reps := make([]split.Replacement, len(ids))
		for k, i := range ids {
			reps[k] = split.Replacement{Stmt: f.Statements[fixes[i].Stmt], Steps: splitSteps(fixes[i].Steps)}
		}
		owner := map[int]int{} // an Also replacement's index in reps -> its fix's k
		for k, i := range ids {
			for _, a := range fixes[i].Also {
				owner[len(reps)] = k
				reps = append(reps, split.Replacement{Stmt: f.Statements[a.Stmt], Steps: splitSteps(a.Steps)})
			}
		}
		plan := split.File(f, reps, x)
		if failed := alsoFailed(plan.Placed, owner, len(ids)); len(failed) > 0 {
			// Plan again without the fixes that have no place for one of
			// their replacements: the others' edits are in the plan.
			var rest []int
			for k, i := range ids {
				if err, ok := failed[k]; ok {
					out.Placed[i] = split.Placed{Err: err}
				} else {
					rest = append(rest, i)
				}
			}
			ids = rest
			continue
		}
		plan.Placed = plan.Placed[:len(ids)]
		var sqls []string
		var withContract []int
		for k, pl := range plan.Placed {
			if i := ids[k]; pl.Err == nil && fixes[i].Contract != "" {
				sqls = append(sqls, strings.TrimSpace(fixes[i].Contract))
				withContract = append(withContract, k)
			}
		}
		if len(sqls) > 0 {
			edits, name, err := split.Contract(f, strings.Join(sqls, "\n\n"), createdBy(plan.Edits, f.Path), paths)
			if err != nil {
				// Plan again without the fixes whose contract has no place.
				var rest []int
				drop := map[int]bool{}
				for _, k := range withContract {
					drop[k] = true
					out.Placed[ids[k]] = split.Placed{Err: err}
				}
				for k, i := range ids {
					if !drop[k] {
						rest = append(rest, i)
					}
				}
				ids = rest
				continue
			}
			plan.Edits = append(plan.Edits, edits...)
			for _, k := range withContract {
				plan.Edits = append(plan.Edits, downEdits(f, fixes[ids[k]].Down, paths)...)
				plan.Placed[k].How = joinHow(plan.Placed[k].How, "the contract part in new migration "+name)
			}
		}
		for k, i := range ids {
			out.Placed[i] = plan.Placed[k]
		}
		out.Edits = plan.Edits
		return out
	}
}

// unclaimed returns the indexes of the fixes to plan together, in order.
// A fix with Also replaces those statements on purpose (a copy that its
// steps redo in batches): another fix that replaces one of them is left
// out, with the reason in placed, to run again on the rewritten file.
func unclaimed(f *migration.File, fixes []rules.Fix, placed []split.Placed) []int {
	claimed := map[int]int{} // a statement -> the first fix whose Also replaces it
	for i, fx := range fixes {
		for _, a := range fx.Also {
			if _, ok := claimed[a.Stmt]; !ok {
				claimed[a.Stmt] = i
			}
		}
	}
	var ids []int
	for i, fx := range fixes {
		taken := -1
		for _, s := range append([]int{fx.Stmt}, alsoStmts(fx)...) {
			if c, ok := claimed[s]; ok && c != i {
				taken = s
			}
		}
		if taken >= 0 {
			line := f.Lines.Position(f.Statements[taken].Span.Start).Line
			placed[i] = split.Placed{Err: fmt.Errorf("%w: another fix replaces the statement on line %d", split.ErrCannotSplit, line)}
			continue
		}
		ids = append(ids, i)
	}
	return ids
}

// alsoStmts returns the statements that fx's Also replaces.
func alsoStmts(fx rules.Fix) []int {
	out := make([]int, len(fx.Also))
	for i, a := range fx.Also {
		out[i] = a.Stmt
	}
	return out
}

// alsoFailed returns, by k, the error of each of the first n
// replacements (one fix's each) whose fix's Also replacements, owned as
// owner says, or itself have no place while another of them does.
func alsoFailed(placed []split.Placed, owner map[int]int, n int) map[int]error {
	failed := map[int]error{}
	has := map[int]bool{}
	for j, k := range owner {
		has[k] = true
		if err := placed[j].Err; err != nil {
			failed[k] = err
		}
	}
	for k := range has {
		if err := placed[k].Err; err != nil && k < n {
			failed[k] = err
		}
	}
	return failed
}

// createdBy returns the files, other than path, that edits write.
func createdBy(edits []tool.Edit, path string) []string {
	var out []string
	for _, e := range edits {
		if e.Path != path && !slices.Contains(out, e.Path) {
			out = append(out, e.Path)
		}
	}
	return out
}

// joinHow adds more to where a fix's steps went.
func joinHow(how, more string) string {
	if how == "" || how == "in place" {
		return more
	}
	return how + ", " + more
}
