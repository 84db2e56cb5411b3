package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// ClusterWideError is Run's refusal of migrations that create or change
// what belongs to a whole cluster (roles, tablespaces, databases, server
// settings), on a server that the runs must share.
type ClusterWideError struct {
	// Statements are the statements, "path:line: what it does".
	Statements []string
}

func (e *ClusterWideError) Error() string {
	return fmt.Sprintf("the migrations change what belongs to the whole server, not to a database (%s): "+
		"the original's and the rewrite's runs on the server that --database-url names would share it, and it would stay behind; "+
		"verify them without --database-url, on an ephemeral cluster for each run", strings.Join(e.Statements, "; "))
}

// clusterWide returns the statements of sets that create or change
// cluster-wide objects, as "path:line: what it does": their up
// statements, and with down their down statements too.
func clusterWide(down bool, sets ...Set) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range sets {
		for _, f := range s.Files {
			for _, st := range f.Statements {
				if st.Direction == migration.Down && !down {
					continue
				}
				what := clusterWideKind(st.Node)
				if what == "" {
					continue
				}
				line := fmt.Sprintf("%s:%d: %s", f.Path, f.Lines.Position(st.Span.Start).Line, what)
				if !seen[line] {
					seen[line] = true
					out = append(out, line)
				}
			}
		}
	}
	return out
}

// clusterWideKind says what node does to cluster-wide objects, "" when it
// changes none.
func clusterWideKind(node *pg.Node) string {
	shared := func(t pg.ObjectType) string {
		switch t {
		case pg.ObjectType_OBJECT_ROLE:
			return "a role"
		case pg.ObjectType_OBJECT_DATABASE:
			return "a database"
		case pg.ObjectType_OBJECT_TABLESPACE:
			return "a tablespace"
		default:
			return ""
		}
	}
	switch n := node.GetNode().(type) {
	case *pg.Node_CreateRoleStmt:
		return "CREATE ROLE creates a role"
	case *pg.Node_AlterRoleStmt, *pg.Node_AlterRoleSetStmt:
		return "ALTER ROLE changes a role"
	case *pg.Node_DropRoleStmt:
		return "DROP ROLE drops a role"
	case *pg.Node_GrantRoleStmt:
		return "GRANT or REVOKE changes a role's membership"
	case *pg.Node_ReassignOwnedStmt, *pg.Node_DropOwnedStmt:
		return "REASSIGN or DROP OWNED changes the owners or privileges of databases and tablespaces too"
	case *pg.Node_CreateTableSpaceStmt, *pg.Node_DropTableSpaceStmt, *pg.Node_AlterTableSpaceOptionsStmt:
		return "a TABLESPACE statement changes a tablespace"
	case *pg.Node_CreatedbStmt, *pg.Node_DropdbStmt, *pg.Node_AlterDatabaseStmt, *pg.Node_AlterDatabaseSetStmt, *pg.Node_AlterDatabaseRefreshCollStmt:
		return "a DATABASE statement changes a database"
	case *pg.Node_AlterSystemStmt:
		return "ALTER SYSTEM changes the server's settings"
	case *pg.Node_RenameStmt:
		if w := shared(n.RenameStmt.GetRenameType()); w != "" {
			return "RENAME renames " + w
		}
	case *pg.Node_AlterOwnerStmt:
		if w := shared(n.AlterOwnerStmt.GetObjectType()); w != "" {
			return "OWNER TO changes the owner of " + w
		}
	case *pg.Node_CommentStmt:
		if w := shared(n.CommentStmt.GetObjtype()); w != "" {
			return "COMMENT ON comments " + w
		}
	case *pg.Node_SecLabelStmt:
		if w := shared(n.SecLabelStmt.GetObjtype()); w != "" {
			return "SECURITY LABEL labels " + w
		}
	case *pg.Node_GrantStmt:
		switch n.GrantStmt.GetObjtype() {
		case pg.ObjectType_OBJECT_DATABASE, pg.ObjectType_OBJECT_TABLESPACE, pg.ObjectType_OBJECT_PARAMETER_ACL:
			return "GRANT or REVOKE changes the privileges on a database, a tablespace or a server setting"
		default:
		}
	default:
	}
	return ""
}

// rolesSQL lists a server's roles. Of the cluster-wide objects, only
// roles can appear where no statement shows them: CREATE DATABASE and
// CREATE TABLESPACE cannot run in a transaction block, so not in a DO
// block or a function either, and Run refuses the statements that show
// them.
const rolesSQL = `SELECT rolname, quote_ident(rolname) FROM pg_roles`

// serverRoles returns the roles of conn's server: each name with its
// identifier, quoted where SQL needs it.
func serverRoles(ctx context.Context, conn *pgx.Conn) (map[string]string, error) {
	rows, err := conn.Query(ctx, rolesSQL)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var name, ident string
	_, err = pgx.ForEachRow(rows, []any{&name, &ident}, func() error {
		out[name] = ident
		return nil
	})
	return out, err
}

// mentions returns a function that reports whether a role name occurs in
// the text of a file of sets, case-insensitively, as a whole word: the
// roles that the migrations may have created or dropped where no
// statement shows it (a DO block, a function).
func mentions(sets ...Set) func(name string) bool {
	var texts []string
	for _, s := range sets {
		for _, f := range s.Files {
			texts = append(texts, strings.ToLower(f.Text))
		}
	}
	word := func(b byte) bool {
		return b == '_' || b == '$' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 0x80
	}
	return func(name string) bool {
		name = strings.ToLower(name)
		for _, text := range texts {
			for i := 0; ; {
				k := strings.Index(text[i:], name)
				if k < 0 {
					break
				}
				start, end := i+k, i+k+len(name)
				if (start == 0 || !word(text[start-1])) && (end == len(text) || !word(text[end])) {
					return true
				}
				i = start + 1
			}
		}
		return false
	}
}

// dropNewRoles drops the roles of conn's server that before does not hold
// and that the migrations name (named), and says what it did, one
// sentence each; it says too which roles the migrations name that
// vanished. A role that appeared or vanished and that no migration names
// is another client's doing on the shared server: it is left alone and
// not mentioned.
func dropNewRoles(ctx context.Context, conn *pgx.Conn, before map[string]string, named func(string) bool) []string {
	after, err := serverRoles(ctx, conn)
	if err != nil {
		return []string{"could not list the server's roles after the runs: " + err.Error()}
	}
	var created, gone []string
	for r, ident := range after {
		if _, ok := before[r]; !ok && named(r) {
			created = append(created, ident)
		}
	}
	for r, ident := range before {
		if _, ok := after[r]; !ok && named(r) {
			gone = append(gone, ident)
		}
	}
	sort.Strings(created)
	sort.Strings(gone)
	var out []string
	for _, ident := range created {
		if _, err := conn.Exec(ctx, "DROP ROLE "+ident); err != nil {
			out = append(out, fmt.Sprintf("role %s appeared on the server during the runs; dropping it failed: %v", ident, err))
		} else {
			out = append(out, fmt.Sprintf("role %s appeared on the server during the runs: dropped", ident))
		}
	}
	for _, ident := range gone {
		out = append(out, fmt.Sprintf("role %s vanished from the server during the runs: pgsafe cannot bring it back", ident))
	}
	return out
}
