package sqlparse

import "math"

// WarmSQL is the warm-up text, for tests.
const WarmSQL = warmSQL

// EstimateDepth returns the depth that the lexer estimates for the
// deepest statement of text.
func EstimateDepth(text string) int {
	m := newDepthMeter(text, MaxDepth)
	lex(text, m.token)
	m.endStatement()
	return m.deepest
}

// ParseUnguarded is Parse without the depth limit, for tests of what
// pg_query does with deep statements.
func ParseUnguarded(text string) *Result { return parse(text, math.MaxInt) }
