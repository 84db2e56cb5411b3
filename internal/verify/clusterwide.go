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

// serverObjectsSQL lists a server's roles, tablespaces and databases.
const serverObjectsSQL = `
SELECT 'role ' || quote_ident(rolname) FROM pg_roles
UNION ALL SELECT 'tablespace ' || quote_ident(spcname) FROM pg_tablespace
UNION ALL SELECT 'database ' || quote_ident(datname) FROM pg_database`

// serverObjects returns the roles, tablespaces and databases of conn's
// server, each as "kind name".
func serverObjects(ctx context.Context, conn *pgx.Conn) (map[string]bool, error) {
	rows, err := conn.Query(ctx, serverObjectsSQL)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// dropNewObjects drops the roles, tablespaces and databases of conn's
// server that before does not hold (databases first, then tablespaces,
// then roles, which may own them), and says what it did and what
// vanished, one sentence each.
func dropNewObjects(ctx context.Context, conn *pgx.Conn, before map[string]bool) []string {
	after, err := serverObjects(ctx, conn)
	if err != nil {
		return []string{"could not list the server's roles, tablespaces and databases after the runs: " + err.Error()}
	}
	var created, gone []string
	for o := range after {
		if !before[o] {
			created = append(created, o)
		}
	}
	for o := range before {
		if !after[o] {
			gone = append(gone, o)
		}
	}
	rank := map[string]int{"database": 0, "tablespace": 1, "role": 2}
	sort.Slice(created, func(i, j int) bool {
		ki, _, _ := strings.Cut(created[i], " ")
		kj, _, _ := strings.Cut(created[j], " ")
		if rank[ki] != rank[kj] {
			return rank[ki] < rank[kj]
		}
		return created[i] < created[j]
	})
	sort.Strings(gone)
	var out []string
	for _, o := range created {
		kind, name, _ := strings.Cut(o, " ")
		sql := "DROP " + strings.ToUpper(kind) + " " + name
		if kind == "database" {
			sql += " WITH (FORCE)"
		}
		if _, err := conn.Exec(ctx, sql); err != nil {
			out = append(out, fmt.Sprintf("%s appeared on the server during the runs; dropping it failed: %v", o, err))
		} else {
			out = append(out, fmt.Sprintf("%s appeared on the server during the runs: dropped", o))
		}
	}
	for _, o := range gone {
		out = append(out, fmt.Sprintf("%s vanished from the server during the runs: pgsafe cannot bring it back", o))
	}
	return out
}
