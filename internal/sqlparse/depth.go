package sqlparse

import "fmt"

// Why pgsafe measures statements before it parses them
//
// pg_query parses in C and hands the tree to Go as protobuf. Its C code
// walks the tree recursively to write it out, on the stack of the thread
// that makes the cgo call: not a growable goroutine stack, but the
// thread's fixed one. A tree that is too deep overflows it and the whole
// process dies with SIGSEGV; a recover cannot catch that. Measured with
// pg_query_go v6.2.5 on linux/amd64, writing out the tree takes about
// 180 bytes of C stack per level of protobuf message: about 355 bytes per
// term of a chain such as 1+1+...+1 or 'a'||'a'||..., and about 1 KB per
// level of nested subqueries. On an 8 MB stack, 1+1+...+1 crashes from
// about 23,800 terms (a 48 KB statement).
//
// The thread is whichever one the Go runtime runs the goroutine on. On
// Linux with glibc, the main thread's stack is the stack size limit
// (ulimit -s, 8 MB by default) and every other thread gets the same size,
// or 2 MB when the limit is "unlimited"; macOS gives Go's threads the main
// thread's size (8 MB). musl (Alpine) gives threads 128 KB.
//
// Shallower trees fail cleanly, and need no guard: PostgreSQL's grammar
// keeps at most 10,000 entries on its parser stack, so nesting that grows
// that stack (parentheses, CASE, subqueries, NOT NOT ...) stops with
// "memory exhausted" near 10,000 parentheses, 2,000 nested CASEs or 1,665
// nested subqueries; and Go's protobuf decoder refuses messages nested
// more than 10,000 deep ("proto: exceeded maximum recursion depth"),
// which a chain reaches at about 5,000 terms. Chains of binary operators,
// casts, COLLATE, joins and set operations never grow the parser stack,
// so only the stack of the C writer stops them: those crash.
//
// So the lexer estimates, for every statement, how deep its tree will be,
// and Parse refuses a statement whose estimate exceeds MaxDepth before
// pg_query sees the text. The estimate is an upper bound, in units of
// about 180 bytes of the writer's stack:
//
//   - every token of an expression counts 1; an operator that cannot be
//     infix (it follows an operator, a keyword such as NOT, or the start
//     of a list) and NOT count 2, since each makes a level of its own;
//   - a parenthesis, a bracket or a CASE ... END counts 6 for its own level,
//     plus the deepest of the items inside it;
//   - commas, semicolons, AND and OR (but not the AND of BETWEEN), and
//     WHEN, THEN and ELSE separate items: PostgreSQL keeps such items in
//     flat lists (a AND b AND c is one node with three arguments), so an
//     item counts only as much as the deepest item beside it, and long IN
//     lists, VALUES lists, CASE lists and AND/OR chains stay shallow;
//   - UNION, INTERSECT and EXCEPT (1) and JOIN (2) also separate items, but
//     each nests the query before it one level deeper, so they add up.
//
// MaxDepth is 5,000 units. The deepest statements it lets through use
// 0.8 to 1 MB of C stack (they all parse on a 1 MB stack, the chains crash
// on a 768 KB one): half of the smallest stack that glibc gives a thread
// (2 MB), an eighth of the usual 8 MB. It refuses a chain of more than
// about 2,500 terms or 5,000 set operations, more than about 800 nested
// parentheses, or more than about 700 nested function calls, subqueries
// or CASE expressions. pg_query could not read chains of more than about
// 5,000 terms before either; PostgreSQL's server runs 10,000. The musl
// default of 128 KB is below the budget: run pgsafe on glibc or macOS.
// TestDeepStatementsAreRefusedBeforeTheParser in depth_test.go prints
// (with -v) the largest size of each shape that passes.

// MaxDepth is the deepest parse tree, as the lexer estimates it, that
// Parse hands to pg_query; see the comment above.
const MaxDepth = 5000

// groupDepth is what a parenthesis, bracket or CASE adds for its own
// level.
const groupDepth = 6

// frame is one open level of a statement: the statement itself, or a
// parenthesis, bracket or CASE inside it.
type frame struct {
	open     byte // '(' or '[', 'c' for CASE, 0 for the statement
	start    int  // byte offset of the opening token
	chain    int  // depth added by the set operations and joins at this level
	seg      int  // depth of the tokens of the current item
	segStart int  // byte offset of the current item's first token, -1 before it
	nested   int  // deepest group closed in the current item
	best     int  // deepest finished item
	between  int  // BETWEENs at this level whose AND is still to come
}

// depthMeter estimates statement depths from the tokens of a text (see
// the comment above). Feed it every token in order, then call end.
type depthMeter struct {
	text    string
	limit   int
	frames  []frame
	operand bool // the last token ends an operand, so that an operator after it is infix
	// stmtStart is the byte offset of the current statement's first
	// token, -1 before it.
	stmtStart int
	// over is the byte offset where the first statement deeper than
	// limit starts, or its item that is, -1 while there is none.
	over int
	// stmtOver is where the current statement's item to report starts, -1
	// while none is too deep; stmtOverLevel is the item's frame index.
	stmtOver, stmtOverLevel int
	// deepest is the largest depth measured so far.
	deepest int
}

func newDepthMeter(text string, limit int) *depthMeter {
	m := &depthMeter{text: text, limit: limit, over: -1, stmtStart: -1, stmtOver: -1}
	m.frames = append(m.frames, frame{segStart: -1})
	return m
}

// token takes the next token of the text.
func (m *depthMeter) token(k tokenKind, start, end int) {
	if k == tokComment || k == tokBlock {
		return
	}
	if m.stmtStart < 0 {
		m.stmtStart = start
	}
	f := &m.frames[len(m.frames)-1]
	switch k {
	case tokWord:
		m.word(f, start, end)
		return
	case tokLiteral:
		m.add(f, start, 1)
		m.operand = true
	case tokOp:
		if m.operand {
			m.add(f, start, 1)
		} else {
			m.add(f, start, 2)
		}
		m.operand = false
	case tokPunct:
		switch m.text[start] {
		case '(', '[':
			m.push(m.text[start], start)
		case ')', ']':
			// In valid SQL every CASE inside has ended; pop those that
			// did not, so that the brackets stay matched.
			for len(m.frames) > 1 && m.frames[len(m.frames)-1].open == 'c' {
				m.pop()
			}
			if len(m.frames) > 1 {
				m.pop()
			}
			m.operand = true
		case ',':
			m.endItem(f)
		case ';':
			if len(m.frames) == 1 {
				m.endStatement()
			} else {
				m.endItem(f)
			}
		default:
			m.add(f, start, 1)
			m.operand = false
		}
	}
}

// word takes an unquoted word: most count as a token, a few keywords
// open, close or separate items.
func (m *depthMeter) word(f *frame, start, end int) {
	switch keyword(m.text[start:end]) {
	case "and":
		if f.between > 0 {
			f.between--
			m.add(f, start, 1)
		} else {
			m.endItem(f)
		}
	case "or", "when", "then", "else":
		m.endItem(f)
	case "not":
		m.add(f, start, 2)
	case "between":
		f.between++
		m.add(f, start, 1)
	case "union", "intersect", "except":
		f.chain++
		m.endItem(f)
	case "join":
		f.chain += 2
		m.endItem(f)
	case "case":
		m.add(f, start, 1)
		m.push('c', start)
	case "end":
		if f.open == 'c' {
			m.pop()
			m.operand = true
			return
		}
		m.add(f, start, 1)
	default:
		m.add(f, start, 1)
		m.operand = true
		return
	}
	m.operand = false
}

// add counts a token of depth d that starts at start in the current item.
func (m *depthMeter) add(f *frame, start, d int) {
	if f.segStart < 0 {
		f.segStart = start
	}
	f.seg += d
}

// endItem finishes the current item of f.
func (m *depthMeter) endItem(f *frame) {
	if d := f.seg + f.nested; d > f.best {
		m.check(d, f.segStart, len(m.frames)-1)
		f.best = d
	}
	f.seg, f.nested, f.segStart = 0, 0, -1
	m.operand = false
}

// push opens a group.
func (m *depthMeter) push(open byte, start int) {
	f := &m.frames[len(m.frames)-1]
	if f.segStart < 0 {
		f.segStart = start
	}
	m.frames = append(m.frames, frame{open: open, start: start, segStart: -1})
	m.operand = false
}

// pop closes the innermost group and counts it in the item around it.
func (m *depthMeter) pop() {
	f := &m.frames[len(m.frames)-1]
	d := groupDepth + f.chain + max(f.best, f.seg+f.nested)
	m.check(d, f.start, len(m.frames)-1)
	m.frames = m.frames[:len(m.frames)-1]
	p := &m.frames[len(m.frames)-1]
	p.nested = max(p.nested, d)
}

// endStatement closes what is open and starts the next statement.
func (m *depthMeter) endStatement() {
	for len(m.frames) > 1 {
		m.pop()
	}
	f := &m.frames[0]
	m.endItem(f)
	if d := f.chain + f.best; d > m.limit && m.stmtOver < 0 {
		m.stmtOver = m.stmtStart // no item is too deep, but their chain is
	}
	m.deepest = max(m.deepest, f.chain+f.best)
	if m.over < 0 && m.stmtOver >= 0 {
		m.over = m.stmtOver
	}
	m.frames[0] = frame{segStart: -1}
	m.stmtStart, m.stmtOver = -1, -1
}

// check notes an item of depth d that starts at start, in the frame at
// index level. Of the items of a statement that are too deep, the first
// of the outermost is the one to report: the list item or the statement
// that holds the deep part, rather than the innermost parenthesis.
func (m *depthMeter) check(d, start, level int) {
	m.deepest = max(m.deepest, d)
	if d > m.limit && (m.stmtOver < 0 || level < m.stmtOverLevel) {
		m.stmtOver, m.stmtOverLevel = max(start, 0), level
	}
}

// keyword returns word in lower case when it is one of the keywords that
// the meter treats apart, and "" otherwise.
func keyword(word string) string {
	if len(word) < 2 || len(word) > 9 {
		return ""
	}
	var b [9]byte
	for i := 0; i < len(word); i++ {
		b[i] = word[i] | 0x20
	}
	switch w := string(b[:len(word)]); w {
	case "and", "or", "when", "then", "else", "not", "between", "union", "intersect", "except", "join", "case", "end":
		return w
	default:
		return ""
	}
}

// deepError is the syntax error for a statement that Parse refuses
// because its tree would be deeper than MaxDepth; at is where the
// deepest part of it starts.
func deepError(at int) *SyntaxError {
	return &SyntaxError{
		Offset: at,
		Message: fmt.Sprintf("expression nested too deeply for pgsafe to parse safely: its parse tree would be deeper than "+
			"pgsafe's limit of %d,%03d levels (a chain of about 2,500 operators, or 800 nested parentheses)", MaxDepth/1000, MaxDepth%1000),
		Hint: tooDeepHint,
	}
}

// tooDeepHint is the advice for a statement too deep to parse.
const tooDeepHint = "pgsafe does not check a file with such a statement, so as not to overflow the stack of PostgreSQL's " +
	"parser (see Limits in docs/output.md). Split the expression: an IN list, a VALUES list or a CASE with many arms " +
	"stays shallow where a long chain of +, || or UNION does not, and a long value can be built in several steps"
