// Package migration reads SQL files the way a migration tool runs them:
// it asks the file's tool (package tool) for the file's sections and how
// each runs, places every statement in its transaction, and tracks
// lock_timeout, statement_timeout and the tables that a file creates.
package migration

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// Direction says whether SQL migrates up or rolls back.
type Direction = tool.Direction

// The directions.
const (
	Up   = tool.Up
	Down = tool.Down
)

// TxKind says who opened a transaction.
type TxKind int

// The transaction kinds.
const (
	TxExplicit TxKind = iota // BEGIN or START TRANSACTION in the file
	TxWrapped                // the migration tool wraps the file or section
	TxImplicit               // a multi-statement query runs as one implicit transaction
	TxRun                    // the migration tool wraps every pending migration of the run
)

// String describes the kind for messages.
func (k TxKind) String() string {
	switch k {
	case TxWrapped:
		return "the transaction the migration tool wraps around the file"
	case TxImplicit:
		return "the implicit transaction of a multi-statement query"
	case TxRun:
		return "the transaction the migration tool wraps around every pending migration"
	default:
		return "an explicit transaction"
	}
}

// Transaction is one transaction of a file.
type Transaction struct {
	ID   int // from 1, in file order
	Kind TxKind
}

// Statement is a parsed statement with the migration context it runs in.
type Statement struct {
	*sqlparse.Statement
	Direction Direction
	// Section is the index in File.Sections of the section the statement
	// belongs to.
	Section int
	// Tx is the transaction the statement runs in, nil in autocommit.
	Tx *Transaction
	// LockTimeout reports whether a non-zero lock_timeout is in force when
	// the statement runs; StatementTimeout likewise for statement_timeout.
	LockTimeout      bool
	StatementTimeout bool
	// TxControl reports a BEGIN, COMMIT or ROLLBACK (and their synonyms);
	// Concurrently a statement that must run outside a transaction block
	// in a CONCURRENTLY form; Setting a SET, RESET or set_config. They
	// outlive the parse tree, for the rewrites that move statements.
	TxControl, Concurrently, Setting bool
}

// File is a migration file read the way its migration tool runs it.
type File struct {
	Path string // as the user named it, or the --stdin-filename
	Text string
	// Source is the text on disk when it is not Text: for a query file of
	// SQL found in Go code, the Go source, which Text follows byte for
	// byte. Lines then index Source, so that reports place and show
	// findings in the Go code. "" for SQL files.
	Source string
	Lines  *sqlparse.Lines
	// Tool runs the file; Choice says why pgsafe thinks so.
	Tool   *tool.Tool
	Choice tool.Choice
	// Name is what the tool reads from the file's path.
	Name tool.Name
	// Run is how the tool runs the file's up section.
	Run       tool.Run
	Direction Direction // of the file as a whole; sections may differ
	// Sections are the file's sections in order: one over the whole file
	// unless markers start several.
	Sections []tool.Section
	// Statements in file order. Empty when SyntaxError is set.
	Statements  []*Statement
	Comments    []sqlparse.Comment
	SyntaxError *sqlparse.SyntaxError

	created map[string]int // table key -> index of the statement that created it
}

// Options say how to read a file.
type Options struct {
	// Choice is the tool that runs the file and why; a zero Choice
	// detects the tool from the file alone.
	Choice tool.Choice
	// ReadFile reads companion files such as Flyway's .sql.conf; nil
	// reads them from disk.
	ReadFile func(path string) ([]byte, error)
}

// Read parses text and builds its migration context.
func Read(path, text string, opts Options) *File {
	f := &File{Path: path, Text: text, Lines: sqlparse.NewLines(text), Choice: opts.Choice}
	if f.Choice.Tool == nil {
		f.Choice = tool.Choose([]tool.Input{{Path: path, Text: text}}, nil, tool.NewIndex(nil))[0]
	}
	f.Tool = f.Choice.Tool
	f.Name, _ = f.Tool.NameOf(path)
	f.Direction = f.Name.Direction
	res := sqlparse.Parse(text)
	f.Comments = res.Comments
	if res.Err != nil {
		f.SyntaxError = res.Err
		f.Run = f.Tool.RunOf(&tool.File{Path: path, Text: text, ReadFile: opts.ReadFile})
		return f
	}
	f.Statements = make([]*Statement, len(res.Statements))
	nodes := make([]*pg.Node, len(res.Statements))
	for i, s := range res.Statements {
		f.Statements[i] = &Statement{Statement: s, Direction: f.Direction}
		nodes[i] = s.Node
	}
	tf := &tool.File{Path: path, Text: text, Comments: res.Comments, Statements: nodes, ReadFile: opts.ReadFile}
	f.Run = f.Tool.RunOf(tf)
	f.Sections = f.Tool.SectionsOf(tf)
	f.buildContext()
	return f
}

// ReadSQL reads text that is not a migration of any tool (a pg_dump file,
// application queries) as psql would run it, statement by statement.
func ReadSQL(path, text string) *File {
	return Read(path, text, Options{Choice: tool.Choice{Tool: tool.Psql, Source: tool.FromFlag, Evidence: "plain SQL"}})
}

// IsNew reports whether table (a "schema.name" key) was created by a
// statement of this file before statement index i, so that it is new and
// empty when statement i runs.
func (f *File) IsNew(table string, i int) bool {
	at, ok := f.created[table]
	return ok && at < i
}

// CreatedAt returns the index of the statement that created table in this
// file, and false when the file did not create it.
func (f *File) CreatedAt(table string) (int, bool) {
	at, ok := f.created[table]
	return at, ok
}

// buildContext assigns each statement its section, direction,
// transaction and timeouts, and records the tables the file creates.
func (f *File) buildContext() {
	secs := f.Sections
	for _, s := range secs {
		if s.Direction == Up {
			f.Run = s.Run
			break
		}
	}
	f.created = map[string]int{}
	si := 0
	var group []*Statement
	flush := func() {
		if len(group) > 0 {
			f.placeTransactions(group, secs[si].Run)
		}
		group = nil
	}
	for _, st := range f.Statements {
		for si+1 < len(secs) && secs[si+1].Start <= st.Extent.End && secs[si+1].Start < st.Span.Start {
			flush()
			si++
		}
		st.Section = si
		st.Direction = secs[si].Direction
		st.TxControl = txCommand(st.Node) >= 0
		st.Concurrently = pgast.Concurrently(st.Node) != ""
		_, _, _, st.Setting = timeoutSetting(st.Node)
		if !st.Setting {
			st.Setting = st.Node.GetVariableSetStmt() != nil
		}
		group = append(group, st)
		f.recordCreated(st)
	}
	flush()
}

// placeTransactions places the statements of one section in transactions
// and tracks the timeouts in force for each. Settings follow PostgreSQL:
// SET LOCAL lasts until the transaction ends and is ignored outside one; a
// session SET (or RESET) replaces any SET LOCAL value for the rest of the
// transaction and outlives it, unless the transaction rolls back.
func (f *File) placeTransactions(stmts []*Statement, run tool.Run) {
	ids := 0
	for _, st := range f.Statements {
		if st.Tx != nil && st.Tx.ID > ids {
			ids = st.Tx.ID
		}
	}
	var session, local, atBegin timeouts
	newTx := func(k TxKind) *Transaction {
		ids++
		atBegin = session
		return &Transaction{ID: ids, Kind: k}
	}
	var cur *Transaction
	switch run {
	case tool.Transaction:
		cur = newTx(TxWrapped)
	case tool.RunTransaction:
		cur = newTx(TxRun)
	default:
	}
	implicit := run == tool.Query && len(stmts) > 1
	for _, st := range stmts {
		kind := txCommand(st.Node)
		switch kind {
		case pg.TransactionStmtKind_TRANS_STMT_BEGIN:
			if cur == nil {
				cur = newTx(TxExplicit)
			}
		case pg.TransactionStmtKind_TRANS_STMT_COMMIT, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		default:
			if cur == nil && implicit {
				cur = newTx(TxImplicit)
			}
		}
		st.Tx = cur
		eff := session.with(local)
		st.LockTimeout, st.StatementTimeout = eff.lock.on(), eff.statement.on()
		switch kind {
		case pg.TransactionStmtKind_TRANS_STMT_COMMIT:
			cur, local = nil, timeouts{}
			continue
		case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK:
			cur, local, session = nil, timeouts{}, atBegin
			continue
		default:
		}
		name, val, isLocal, ok := timeoutSetting(st.Node)
		switch {
		case !ok:
		case isLocal && st.Tx == nil:
			// SET LOCAL outside a transaction has no effect.
		case isLocal:
			local.set(name, val)
		default:
			session.set(name, val)
			local.clear(name)
		}
	}
}

// timeouts tracks lock_timeout and statement_timeout: 0 unknown, 1 on, -1 off.
type timeouts struct{ lock, statement setting }

type setting int

func (s setting) on() bool { return s > 0 }

func (t timeouts) with(over timeouts) timeouts {
	if over.lock != 0 {
		t.lock = over.lock
	}
	if over.statement != 0 {
		t.statement = over.statement
	}
	return t
}

// allTimeouts is the setting name timeoutSetting returns for RESET ALL.
const allTimeouts = "*"

func (t *timeouts) set(name string, on bool) {
	v := setting(-1)
	if on {
		v = 1
	}
	switch name {
	case "lock_timeout":
		t.lock = v
	case "statement_timeout":
		t.statement = v
	case allTimeouts:
		t.lock, t.statement = v, v
	default:
	}
}

// clear forgets the value of name, so that an outer value shows through.
func (t *timeouts) clear(name string) {
	switch name {
	case "lock_timeout":
		t.lock = 0
	case "statement_timeout":
		t.statement = 0
	case allTimeouts:
		*t = timeouts{}
	default:
	}
}

// txCommand returns the kind of a transaction-control statement, with
// END, COMMIT PREPARED and friends folded into COMMIT or ROLLBACK, and -1
// for other statements.
func txCommand(n *pg.Node) pg.TransactionStmtKind {
	t := n.GetTransactionStmt()
	if t == nil {
		return -1
	}
	switch t.GetKind() {
	case pg.TransactionStmtKind_TRANS_STMT_BEGIN, pg.TransactionStmtKind_TRANS_STMT_START:
		return pg.TransactionStmtKind_TRANS_STMT_BEGIN
	case pg.TransactionStmtKind_TRANS_STMT_COMMIT, pg.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED:
		return pg.TransactionStmtKind_TRANS_STMT_COMMIT
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
		return pg.TransactionStmtKind_TRANS_STMT_ROLLBACK
	default:
		return -1
	}
}

// timeoutSetting recognises SET [LOCAL] lock_timeout/statement_timeout,
// RESET, RESET ALL (name allTimeouts) and SELECT set_config(...). on is
// false for 0, DEFAULT and RESET.
func timeoutSetting(n *pg.Node) (name string, on, local, ok bool) {
	if vs := n.GetVariableSetStmt(); vs != nil {
		if vs.GetKind() == pg.VariableSetKind_VAR_RESET_ALL {
			return allTimeouts, false, false, true
		}
		name = vs.GetName()
		if name != "lock_timeout" && name != "statement_timeout" {
			return "", false, false, false
		}
		switch vs.GetKind() {
		case pg.VariableSetKind_VAR_SET_VALUE:
			args := vs.GetArgs()
			if len(args) == 0 {
				return name, false, vs.GetIsLocal(), true
			}
			v, _ := pgast.ConstString(args[0])
			return name, !isZeroDuration(v), vs.GetIsLocal(), true
		case pg.VariableSetKind_VAR_SET_DEFAULT, pg.VariableSetKind_VAR_RESET:
			return name, false, vs.GetIsLocal(), true
		default:
			return "", false, false, false
		}
	}
	sel := n.GetSelectStmt()
	if sel == nil || len(sel.GetTargetList()) != 1 {
		return "", false, false, false
	}
	fc := sel.GetTargetList()[0].GetResTarget().GetVal().GetFuncCall()
	if fc == nil || pgast.FuncName(fc) != "set_config" || len(fc.GetArgs()) != 3 {
		return "", false, false, false
	}
	name, _ = pgast.ConstString(fc.GetArgs()[0])
	if name != "lock_timeout" && name != "statement_timeout" {
		return "", false, false, false
	}
	v, _ := pgast.ConstString(fc.GetArgs()[1])
	l, _ := pgast.ConstString(fc.GetArgs()[2])
	return name, !isZeroDuration(v), l == "true" || l == "t", true
}

// isZeroDuration reports whether a timeout value turns the timeout off:
// a zero number with or without a unit ("0", "0ms", "0 min").
func isZeroDuration(v string) bool {
	v = strings.TrimSpace(strings.ToLower(v))
	v = strings.TrimRightFunc(v, func(r rune) bool { return r == ' ' || (r >= 'a' && r <= 'z') })
	return v == "" || strings.Trim(v, "0.") == ""
}

// recordCreated notes the relation that st creates, if any: a table,
// sequence or view. CREATE OR REPLACE VIEW may replace one that exists,
// so it does not count.
func (f *File) recordCreated(st *Statement) {
	var name string
	switch n := st.Node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		name = pgast.RelName(n.CreateStmt.GetRelation())
	case *pg.Node_CreateTableAsStmt:
		name = pgast.RelName(n.CreateTableAsStmt.GetInto().GetRel())
	case *pg.Node_SelectStmt:
		name = pgast.RelName(n.SelectStmt.GetIntoClause().GetRel())
	case *pg.Node_CreateSeqStmt:
		name = pgast.RelName(n.CreateSeqStmt.GetSequence())
	case *pg.Node_ViewStmt:
		if !n.ViewStmt.GetReplace() {
			name = pgast.RelName(n.ViewStmt.GetView())
		}
	default:
	}
	if _, seen := f.created[name]; name != "" && !seen {
		f.created[name] = st.Index
	}
}
