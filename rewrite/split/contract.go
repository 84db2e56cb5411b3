package split

import (
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// Contract places the contract part of an expand/contract rewrite of f:
// sql, statements that may run only once no running code uses the old
// schema, becomes a new migration of f's tool, headed by the marker
// `-- pgsafe:contract after <f>`. It is named to run right after f and
// after created, the migrations that the plan of f's own steps creates;
// run lists the migrations of the run, none of which may run after it
// (a contract runs last: the migration tool would refuse an older
// version applied after newer ones). It returns the edits that create the
// file and the file's base name.
func Contract(f *migration.File, sql string, created, run []string) ([]tool.Edit, string, error) {
	exit := f.Tool.Exit
	if exit.Versions == nil {
		return nil, "", cannot("%s has no way for pgsafe to add a migration; write the contract part as a new migration by hand", f.Tool.Name)
	}
	after := f.Path
	dir := filepath.Dir(f.Path)
	for _, p := range created {
		if filepath.Dir(p) == dir && strings.HasSuffix(strings.ToLower(p), ".sql") && source.Less(after, p) && !isDown(f.Tool, p) {
			after = p
		}
	}
	x := tool.NewIndex(append(append([]string{}, run...), created...))
	vs, err := exit.Versions(after, 1, x)
	if err != nil {
		return nil, "", err
	}
	v := vs[0]
	for _, p := range run {
		if filepath.Dir(p) == dir && p != f.Path && source.Less(v.Path, p) && f.Tool.Names != nil {
			if _, ok := f.Tool.Names(p); ok {
				return nil, "", cannot("the contract migration must run after every migration of its folder, and %s runs after %s", filepath.Base(p), filepath.Base(f.Path))
			}
		}
	}
	sql = f.Tool.Compound.WrapCompound(sql)
	marker := "-- " + contract.Directive + " after " + filepath.Base(f.Path) + "\n" +
		"-- Run this contract in a release after the code that stops using the old schema is deployed.\n"
	body := marker + v.Body(strings.TrimSpace(sql), false)
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	edits := []tool.Edit{{Path: v.Path, NewText: body}}
	if v.Companions != nil {
		for p, text := range v.Companions(false) {
			if strings.HasSuffix(p, ".down.sql") {
				// A step's down says that the file's down reverts it; the
				// contract completes the change that the file's down reverts.
				stem := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f.Path), ".sql"), ".up")
				text = "-- Nothing to undo here: the down migration of " + stem + " reverts the change that this contract completes.\n"
			}
			edits = append(edits, tool.Edit{Path: p, NewText: text})
		}
	}
	return edits, filepath.Base(v.Path), nil
}

// isDown reports whether t names the file at path a down migration: a
// companion of a new migration, which the contract does not follow.
func isDown(t *tool.Tool, path string) bool {
	if t.Names == nil {
		return false
	}
	n, ok := t.Names(path)
	return ok && n.Direction == tool.Down
}
