package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// These tests drive Serve over pipes with a client of their own and a
// set whose only rule is a gate: it records each statement it is handed
// ("002.sql:0"), and, once armed, holds the check at one statement until
// the test has sent what must overtake it. Each step waits for the
// server's answer or notification itself; nothing waits for time to pass.

// gate is the rule that records and holds the checks.
type gate struct {
	mu      sync.Mutex
	seen    []string // statements handed to the rule, and "finish" for each check that ends
	armedAt string   // the statement to hold the next check at, "" for none
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func newGate() *gate { return &gate{reached: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) rule() *rules.Rule {
	return &rules.Rule{Code: "PS999", Name: "gate", Severity: rules.Warning, Check: func(p *rules.Pass) {
		where := fmt.Sprintf("%s:%d", filepath.Base(p.File.Path), p.Stmt.Index)
		g.mu.Lock()
		hold := where == g.armedAt
		if hold {
			g.armedAt = ""
		}
		g.mu.Unlock()
		if hold {
			close(g.reached)
			<-g.release
		}
		g.record(where)
	}}
}

func (g *gate) record(s string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seen = append(g.seen, s)
}

// arm forgets what the rule saw and holds the next check at statement
// where.
func (g *gate) arm(where string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.seen, g.armedAt = nil, where
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func (g *gate) statements() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.seen...)
}

// gateSet is four migrations of two statements each.
var gateSet = map[string]string{
	"001.sql": "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN v int;\n",
	"002.sql": "CREATE TABLE b (id int);\nALTER TABLE b ADD COLUMN v int;\n",
	"003.sql": "CREATE TABLE c (id int);\nALTER TABLE c ADD COLUMN v int;\n",
	"004.sql": "CREATE TABLE d (id int);\nALTER TABLE d ADD COLUMN v int;\n",
}

// everyStatement is what a check of gateSet from its first file hands
// the gate.
var everyStatement = []string{"001.sql:0", "001.sql:1", "002.sql:0", "002.sql:1", "003.sql:0", "003.sql:1", "004.sql:0", "004.sql:1", "finish"}

// testClient is a JSON-RPC client of Serve over pipes.
type testClient struct {
	t     *testing.T
	in    *io.PipeWriter
	mu    sync.Mutex
	cond  *sync.Cond
	queue []*message
	ended bool
	id    int
	done  chan struct{} // closed when Serve returned
	err   error         // Serve's error, once done
}

// startGated serves the folder dir, whose set has only g's rule, with
// the debounce given, and initializes the session.
func startGated(t *testing.T, dir string, g *gate, debounceMs int) *testClient {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &testClient{t: t, in: inW, done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	resolve := func(context.Context, string, *config.Config) (*Settings, error) {
		return &Settings{
			Lint: lint.Options{
				Rules: []*rules.Rule{g.rule()}, Known: rules.All(), Workers: 2,
				Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
			},
			Finish: func(*lint.Result) { g.record("finish") },
		}, nil
	}
	go func() {
		c.err = Serve(context.Background(), inR, outW, Options{Resolve: resolve, Debounce: -1})
		_ = outW.Close()
		close(c.done)
	}()
	go func() {
		r := newConn(outR, io.Discard)
		for {
			m, err := r.read()
			c.mu.Lock()
			if err != nil {
				c.ended = true
				c.cond.Broadcast()
				c.mu.Unlock()
				return
			}
			c.queue = append(c.queue, m)
			c.cond.Broadcast()
			c.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		g.open() // a test that failed while the gate held a check
		_ = inW.Close()
		<-c.done
	})
	c.answer(c.request("initialize", map[string]any{
		"rootUri":               pathToURI(dir),
		"capabilities":          map[string]any{},
		"initializationOptions": map[string]any{"debounceMs": debounceMs},
	}))
	c.notify("initialized", map[string]any{})
	return c
}

func (c *testClient) send(m *message) {
	m.JSONRPC = "2.0"
	body, err := json.Marshal(m)
	require.NoError(c.t, err)
	_, err = fmt.Fprintf(c.in, "Content-Length: %d\r\n\r\n%s", len(body), body)
	require.NoError(c.t, err)
}

func (c *testClient) notify(method string, params any) {
	raw, err := json.Marshal(params)
	require.NoError(c.t, err)
	c.send(&message{Method: method, Params: raw})
}

// request sends a request and returns its id.
func (c *testClient) request(method string, params any) json.RawMessage {
	raw, err := json.Marshal(params)
	require.NoError(c.t, err)
	c.mu.Lock()
	c.id++
	id := json.RawMessage(fmt.Sprint(c.id))
	c.mu.Unlock()
	c.send(&message{ID: &id, Method: method, Params: raw})
	return id
}

// take waits for the first message that match accepts, and removes it
// from the queue; the messages before it stay.
func (c *testClient) take(what string, match func(*message) bool) *message {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for i, m := range c.queue {
			if match(m) {
				c.queue = append(c.queue[:i], c.queue[i+1:]...)
				return m
			}
		}
		if c.ended {
			c.t.Fatalf("the server's output ended before %s", what)
		}
		c.cond.Wait()
	}
}

func (c *testClient) answer(id json.RawMessage) *message {
	return c.take("the answer to "+string(id), func(m *message) bool {
		return m.Method == "" && m.ID != nil && string(*m.ID) == string(id)
	})
}

// publication waits for the diagnostics of uri at version.
func (c *testClient) publication(uri string, version int) PublishDiagnosticsParams {
	var p PublishDiagnosticsParams
	c.take(fmt.Sprintf("diagnostics of %s version %d", uri, version), func(m *message) bool {
		if m.Method != "textDocument/publishDiagnostics" {
			return false
		}
		var q PublishDiagnosticsParams
		if json.Unmarshal(m.Params, &q) != nil || q.URI != uri || q.Version == nil || *q.Version != version {
			return false
		}
		p = q
		return true
	})
	return p
}

// published returns the versions of uri whose diagnostics the server
// has sent and the test has not taken.
func (c *testClient) published(uri string) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for _, m := range c.queue {
		var q PublishDiagnosticsParams
		if m.Method == "textDocument/publishDiagnostics" && json.Unmarshal(m.Params, &q) == nil && q.URI == uri && q.Version != nil {
			out = append(out, *q.Version)
		}
	}
	return out
}

// sync returns once the server has handled every message sent before:
// it reads messages in order and handles notifications as it reads them,
// so the answer to a request that needs no check comes after.
func (c *testClient) sync() {
	m := c.answer(c.request("textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": "file:///not-sql.txt"}, "position": map[string]any{"line": 0, "character": 0},
	}))
	require.Nil(c.t, m.Error)
}

func (c *testClient) change(uri string, version int, text string) {
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": version},
		"contentChanges": []map[string]any{{"text": text}},
	})
}

func (c *testClient) codeAction(uri string) json.RawMessage {
	return c.request("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"range":        map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 0, "character": 0}},
		// Quick fixes only: fix all would lint the set again, round by round.
		"context": map[string]any{"diagnostics": []any{}, "only": []string{kindQuickFix}},
	})
}

func (c *testClient) shutdown() {
	m := c.answer(c.request("shutdown", nil))
	require.Nil(c.t, m.Error)
	c.notify("exit", nil)
	<-c.done
	require.NoError(c.t, c.err)
}

// openGated writes gateSet to a folder, serves it and opens its first
// file, and returns the client, the file's URI and its diagnostics at
// version 1 (the gate's, one per statement).
func openGated(t *testing.T, g *gate, debounceMs int) (*testClient, string) {
	dir := t.TempDir()
	for name, text := range gateSet {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	c := startGated(t, dir, g, debounceMs)
	uri := pathToURI(filepath.Join(dir, "001.sql"))
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": "sql", "version": 1, "text": gateSet["001.sql"],
	}})
	c.publication(uri, 1)
	require.Equal(t, everyStatement, g.statements(), "the first check checks every file")
	return c, uri
}

// TestCancelledRequestStopsItsCheck cancels a code action while the
// check it waits for is held at the first statement of the second file:
// the answer is RequestCancelled, and the check stops there (the rule
// sees no later statement, and the check does not finish). The next
// request checks again, from the changed file on.
func TestCancelledRequestStopsItsCheck(t *testing.T) {
	g := newGate()
	c, uri := openGated(t, g, 3_600_000) // only requests and saves check
	g.arm("002.sql:0")
	c.change(uri, 2, "-- v2\n"+gateSet["001.sql"])
	id := c.codeAction(uri)
	<-g.reached
	c.notify("$/cancelRequest", map[string]any{"id": json.RawMessage(id)})
	c.sync()
	g.open()
	m := c.answer(id)
	require.NotNil(t, m.Error, "%s", m.Result)
	assert.Equal(t, codeRequestCancelled, m.Error.Code)
	assert.Equal(t, []string{"001.sql:0", "001.sql:1", "002.sql:0"}, g.statements(), "the check stopped at the statement it held")

	g.arm("")
	m = c.answer(c.codeAction(uri))
	require.Nil(t, m.Error, "%v", m.Error)
	assert.Equal(t, everyStatement, g.statements(), "the stopped check's work is done by the next")
	c.shutdown()
}

// TestEditStopsTheCheckItOvertakes changes the file while its check is
// held: the held check stops at once, publishes nothing, and the check
// of the new text publishes its diagnostics.
func TestEditStopsTheCheckItOvertakes(t *testing.T) {
	g := newGate()
	c, uri := openGated(t, g, 0)
	g.arm("002.sql:0")
	c.change(uri, 2, "-- v2\n"+gateSet["001.sql"])
	<-g.reached
	c.change(uri, 3, "-- v3\n"+gateSet["001.sql"])
	c.sync()
	g.open()
	p := c.publication(uri, 3)
	assert.Len(t, p.Diagnostics, 0, "the gate reports nothing")
	assert.Empty(t, c.published(uri), "no diagnostics of version 2, nor others")
	want := append([]string{"001.sql:0", "001.sql:1", "002.sql:0"}, everyStatement...)
	assert.Equal(t, want, g.statements(), "the overtaken check stopped at the statement it held, the next checked every file")
	c.shutdown()
}

// TestEditDuringRequestIsContentModified changes the file while the
// check that a code action waits for is held: the check stops, and the
// request is answered ContentModified, for the client to ask again.
func TestEditDuringRequestIsContentModified(t *testing.T) {
	g := newGate()
	c, uri := openGated(t, g, 3_600_000)
	g.arm("002.sql:0")
	c.change(uri, 2, "-- v2\n"+gateSet["001.sql"])
	id := c.codeAction(uri)
	<-g.reached
	c.change(uri, 3, "-- v3\n"+gateSet["001.sql"])
	c.sync()
	g.open()
	m := c.answer(id)
	require.NotNil(t, m.Error, "%s", m.Result)
	assert.Equal(t, codeContentModified, m.Error.Code)
	assert.Equal(t, []string{"001.sql:0", "001.sql:1", "002.sql:0"}, g.statements())
	c.shutdown()
}
