package verify

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/apply"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
)

// version is one migration version of a set: the files that its tool
// pairs (an up file and its down file, or one file with both sections),
// in run order.
type version struct {
	key   string
	files []*migration.File
}

// name names the version for messages: its first file.
func (v version) name() string { return v.files[0].Path }

// versions groups the files of s into versions, in the order their up
// migrations run.
func versions(s Set) []version {
	var out []version
	at := map[string]int{}
	for _, f := range s.Files {
		key := f.Name.Key
		if key == "" {
			key = f.Path
		}
		i, ok := at[key]
		if !ok {
			i = len(out)
			at[key] = i
			out = append(out, version{key: key})
		}
		out[i].files = append(out[i].files, f)
	}
	return out
}

// hasDown reports whether the version holds down statements.
func (v version) hasDown() bool {
	for _, f := range v.files {
		for _, st := range f.Statements {
			if st.Direction == migration.Down {
				return true
			}
		}
	}
	return false
}

// rollBack rolls the original (at a) and the rewrite (at b) back,
// one version of the rewrite at a time, the latest first, each down
// migration the way its tool runs it; a version of the original rolls
// back with the rewrite's version of the same key. After each step it
// compares the two schemas.
func rollBack(ctx context.Context, targetA, targetB *pgtarget.Target, original, rewrite Set, major int) (*Rollback, error) {
	a, err := targetA.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = a.Close(context.Background()) }()
	b, err := targetB.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = b.Close(context.Background()) }()
	orig := versions(original)
	origAt := map[string]int{}
	for i, v := range orig {
		origAt[v.key] = i
	}
	done := make([]bool, len(orig))
	down := func(conn *pgx.Conn, v version) error {
		for i := len(v.files) - 1; i >= 0; i-- {
			if err := apply.File(ctx, conn, v.files[i], apply.Options{Direction: migration.Down, PGVersion: major}); err != nil {
				return err
			}
		}
		return nil
	}
	rb := &Rollback{}
	rew := versions(rewrite)
	for j := len(rew) - 1; j >= 0; j-- {
		v := rew[j]
		// The original rolls back first its versions from the latest down
		// to this one's, when the version is one of the original's (not
		// one that the fix created): where the original's own rollback
		// fails, there is nothing to compare the rewrite's with.
		if i, ok := origAt[v.key]; ok {
			for k := len(orig) - 1; k >= i; k-- {
				if done[k] {
					continue
				}
				done[k] = true
				if err := down(a, orig[k]); err != nil {
					rb.OriginalStops = fmt.Sprintf("%s: %v", orig[k].name(), err)
					return rb, nil
				}
			}
		}
		rb.Steps++
		if v.hasDown() {
			rb.Versions++
		}
		if err := down(b, v); err != nil {
			rb.Err = fmt.Sprintf("%s: %v", v.name(), err)
			return rb, nil
		}
		if diff, err := compare(ctx, a, b); err != nil {
			return nil, err
		} else if diff != "" {
			rb.Version, rb.Diff = v.name(), diff
			return rb, nil
		}
	}
	return rb, nil
}

// compare returns how the schemas of a and b differ, "" when they do not.
func compare(ctx context.Context, a, b *pgx.Conn) (string, error) {
	sa, err := schemadiff.Snapshot(ctx, a)
	if err != nil {
		return "", err
	}
	sb, err := schemadiff.Snapshot(ctx, b)
	if err != nil {
		return "", err
	}
	diff := schemadiff.Diff("original", sa, "rewrite", sb)
	if _, ok := schemadiff.ColumnOrder(sa, sb); diff != "" && ok {
		// The rewrite's own down migrations change columns through new
		// ones too; the order is what Report.ColumnOrder says of the ups.
		return "", nil
	}
	return diff, nil
}
