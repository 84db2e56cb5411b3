package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/rules"
)

// lspClient is a JSON-RPC client of `pgsafe lsp`, run in-process over
// pipes with the real command and settings. It answers the server's
// requests (registrations) with null, and queues notifications for the
// test to wait for.
type lspClient struct {
	t      testing.TB
	toSrv  *io.PipeWriter
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []*lspMessage // messages from the server not yet taken
	closed bool          // the server's output ended
	nextID int
	done   chan struct{} // closed when the command returned
	code   int           // its exit code, once done
	stderr *lockedBuffer
	wmu    sync.Mutex
}

// lspMessage is a message of either side.
type lspMessage struct {
	JSONRPC string           `json:"jsonrpc"`
	ID      *json.RawMessage `json:"id,omitempty"`
	Method  string           `json:"method,omitempty"`
	Params  json.RawMessage  `json:"params,omitempty"`
	Result  json.RawMessage  `json:"result,omitempty"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// lockedBuffer is a strings.Builder safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startLSP runs `pgsafe lsp` with args from the folder workdir.
func startLSP(t testing.TB, workdir string, args ...string) *lspClient {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &lspClient{t: t, toSrv: inW, done: make(chan struct{}), stderr: &lockedBuffer{}}
	c.cond = sync.NewCond(&c.mu)
	go func() {
		code := runEnv(context.Background(), append([]string{"pgsafe", "lsp"}, args...), env{
			stdin: inR, stdout: outW, stderr: c.stderr,
			getenv:     func(string) string { return "" },
			workdir:    workdir,
			isTerminal: func(io.Writer) bool { return false },
		})
		_ = outW.Close()
		_ = inR.Close()
		c.code = code
		close(c.done)
	}()
	go c.readLoop(bufio.NewReader(outR))
	t.Cleanup(func() {
		_ = inW.Close()
		<-c.done // the server ends when its input does
	})
	return c
}

func (c *lspClient) readLoop(r *bufio.Reader) {
	defer func() {
		c.mu.Lock()
		c.closed = true
		c.cond.Broadcast()
		c.mu.Unlock()
	}()
	tp := textproto.NewReader(r)
	for {
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			return
		}
		n, err := strconv.Atoi(h.Get("Content-Length"))
		if err != nil {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		var m lspMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return
		}
		if m.Method != "" && m.ID != nil {
			// A request of the server's: accept it, without blocking
			// the reading of the server's output.
			go c.send(&lspMessage{ID: m.ID, Result: json.RawMessage("null")})
		}
		c.mu.Lock()
		c.queue = append(c.queue, &m)
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}

// send writes m to the server; a write after the server stopped reading
// is lost, as with a real client whose server exited.
func (c *lspClient) send(m *lspMessage) {
	m.JSONRPC = "2.0"
	body, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, _ = fmt.Fprintf(c.toSrv, "Content-Length: %d\r\n\r\n%s", len(body), body)
}

// take waits for the first queued message that match accepts, removes it
// from the queue and returns it; it fails the test when the server's
// output ends first.
func (c *lspClient) take(what string, match func(*lspMessage) bool) *lspMessage {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for i, m := range c.queue {
			if match(m) {
				c.queue = append(c.queue[:i], c.queue[i+1:]...)
				return m
			}
		}
		if c.closed {
			c.t.Fatalf("the server's output ended before %s; stderr:\n%s", what, c.stderr.String())
		}
		c.cond.Wait()
	}
}

// notify sends a notification.
func (c *lspClient) notify(method string, params any) {
	raw, err := json.Marshal(params)
	require.NoError(c.t, err)
	c.send(&lspMessage{Method: method, Params: raw})
}

// start sends a request and returns its id, to wait for the answer with
// answer.
func (c *lspClient) start(method string, params any) json.RawMessage {
	raw, err := json.Marshal(params)
	require.NoError(c.t, err)
	c.mu.Lock()
	c.nextID++
	id := json.RawMessage(strconv.Itoa(c.nextID))
	c.mu.Unlock()
	c.send(&lspMessage{ID: &id, Method: method, Params: raw})
	return id
}

// answer waits for the response to the request id.
func (c *lspClient) answer(id json.RawMessage) *lspMessage {
	c.t.Helper()
	return c.take("the answer to request "+string(id), func(m *lspMessage) bool {
		return m.Method == "" && m.ID != nil && string(*m.ID) == string(id)
	})
}

// call sends a request, waits for its answer and decodes the result into
// out (when not nil); it fails the test on an error answer.
func (c *lspClient) call(method string, params, out any) {
	c.t.Helper()
	m := c.answer(c.start(method, params))
	require.Nil(c.t, m.Error, "%s answered an error", method)
	if out != nil {
		require.NoError(c.t, json.Unmarshal(m.Result, out))
	}
}

// publication is a textDocument/publishDiagnostics notification.
type publication struct {
	URI         string          `json:"uri"`
	Version     *int            `json:"version"`
	Diagnostics []lspDiagnostic `json:"diagnostics"`
}

// lspDiagnostic is a diagnostic as the client reads it.
type lspDiagnostic struct {
	Range           lspRange `json:"range"`
	Severity        int      `json:"severity"`
	Code            string   `json:"code"`
	Source          string   `json:"source"`
	Message         string   `json:"message"`
	CodeDescription *struct {
		Href string `json:"href"`
	} `json:"codeDescription"`
	RelatedInformation []struct {
		Location struct {
			URI   string   `json:"uri"`
			Range lspRange `json:"range"`
		} `json:"location"`
		Message string `json:"message"`
	} `json:"relatedInformation"`
}

type lspRange struct {
	Start lspPosition `json:"start"`
	End   lspPosition `json:"end"`
}

type lspPosition struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// diagnostics waits for the next diagnostics published for uri.
func (c *lspClient) diagnostics(uri string) publication {
	c.t.Helper()
	m := c.take("diagnostics for "+uri, func(m *lspMessage) bool {
		if m.Method != "textDocument/publishDiagnostics" {
			return false
		}
		var p publication
		return json.Unmarshal(m.Params, &p) == nil && p.URI == uri
	})
	var p publication
	require.NoError(c.t, json.Unmarshal(m.Params, &p))
	return p
}

// codes returns the codes of ds.
func codes(ds []lspDiagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Code)
	}
	return out
}

// initialize sends initialize with the capabilities of a full client
// (document changes, file creation, dynamic file watching) plus more,
// and initialized; it returns the result.
func (c *lspClient) initialize(root string, more map[string]any) map[string]any {
	c.t.Helper()
	caps := map[string]any{
		"workspace": map[string]any{
			"workspaceEdit":         map[string]any{"documentChanges": true, "resourceOperations": []string{"create"}},
			"didChangeWatchedFiles": map[string]any{"dynamicRegistration": true},
		},
	}
	params := map[string]any{
		"processId":             nil,
		"rootUri":               fileURI(root),
		"capabilities":          caps,
		"workspaceFolders":      []map[string]any{{"uri": fileURI(root), "name": filepath.Base(root)}},
		"initializationOptions": map[string]any{"debounceMs": 0},
	}
	for k, v := range more {
		params[k] = v
	}
	var res map[string]any
	c.call("initialize", params, &res)
	c.notify("initialized", map[string]any{})
	return res
}

// shutdown sends shutdown and exit, and returns the exit code.
func (c *lspClient) shutdown() int {
	c.t.Helper()
	c.call("shutdown", nil, nil)
	c.notify("exit", nil)
	<-c.done
	return c.code
}

// open opens the file at path with text.
func (c *lspClient) open(path, text string) string {
	uri := fileURI(path)
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "sql", "version": 1, "text": text}})
	return uri
}

// fileURI returns the file: URI of an absolute path.
func fileURI(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// writeLSPFiles writes files (path relative to dir: text) under dir.
func writeLSPFiles(t testing.TB, dir string, files map[string]string) {
	for name, text := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
}

// rulesSummary returns the summary of the rule with code.
func rulesSummary(t testing.TB, code string) string {
	r := rules.Lookup(rules.All(), code)
	require.NotNil(t, r, code)
	return r.Doc.Summary
}
