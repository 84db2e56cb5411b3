package rewrite

import (
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// downEdits returns the edits that put sql first in the down migration of
// f: right after the marker of f's down section, or at the start of the
// down file among paths that pairs with f. None when sql is empty or f
// has no down migration, which then cannot roll the expand back.
func downEdits(f *migration.File, sql string, paths []string) []tool.Edit {
	sql = strings.TrimSpace(sql)
	if sql == "" {
		return nil
	}
	for _, sec := range f.Sections {
		if sec.Direction != migration.Down {
			continue
		}
		at := len(f.Text)
		if nl := strings.IndexByte(f.Text[sec.Start:], '\n'); nl >= 0 {
			at = sec.Start + nl + 1
		}
		text := sql + "\n"
		if at == len(f.Text) && !strings.HasSuffix(f.Text, "\n") {
			text = "\n" + text
		}
		return []tool.Edit{{Path: f.Path, Start: at, End: at, NewText: text}}
	}
	names := f.Tool.Names
	if names == nil {
		return nil
	}
	up, ok := names(f.Path)
	if !ok || up.Key == "" || up.Direction != migration.Up {
		return nil
	}
	for _, p := range paths {
		if p == f.Path || filepath.Dir(p) != filepath.Dir(f.Path) {
			continue
		}
		if n, ok := names(p); ok && n.Key == up.Key && n.Direction == migration.Down {
			return []tool.Edit{{Path: p, Start: 0, End: 0, NewText: sql + "\n"}}
		}
	}
	return nil
}
