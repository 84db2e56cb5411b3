package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRequestsCancel(t *testing.T) {
	var r requests
	id := json.RawMessage(`7`)
	ctx, done := r.start(context.Background(), &id)
	other := json.RawMessage(`"7"`)
	octx, odone := r.start(context.Background(), &other)
	r.cancel(json.RawMessage(`7`))
	<-ctx.Done() // cancelled by $/cancelRequest with its id
	assert.NoError(t, octx.Err(), "the string id \"7\" is another request")
	done()
	odone()
	r.cancel(json.RawMessage(`7`)) // a finished request: nothing to do
}

func TestConnFraming(t *testing.T) {
	in := "Content-Length: 37\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" +
		`{"jsonrpc":"2.0","id":1,"method":"x"}` +
		"Content-Length: 5\r\n\r\n{bad}"
	var out bytes.Buffer
	c := newConn(strings.NewReader(in), &out)
	m, err := c.read()
	require.NoError(t, err)
	assert.Equal(t, "x", m.Method)
	m, err = c.read()
	require.NoError(t, err)
	require.NotNil(t, m.Error, "a body that is not JSON is a parse error")
	assert.Equal(t, codeParseError, m.Error.Code)
	require.NoError(t, c.reply(m.ID, nil, &rpcError{Code: codeRequestCancelled, Message: "cancelled"}))
	require.NoError(t, c.close(), "close writes out what is queued")
	assert.Equal(t, "Content-Length: 73\r\n\r\n"+`{"jsonrpc":"2.0","id":null,"error":{"code":-32800,"message":"cancelled"}}`, out.String(), "an answer without an id has id null")
}

// TestServeReadsWhileTheClientDoesNotRead checks that the server keeps
// reading a client that sends many requests before it reads any answer:
// over pipes, which hold nothing, a server that waited for its answer to
// be read before it read on would never read the next request, and the
// client's write would never end.
func TestServeReadsWhileTheClientDoesNotRead(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- Serve(context.Background(), inR, outW, Options{})
		_ = outW.Close()
	}()
	const n = 200
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			body := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"textDocument/hover","params":{}}`, i)
			if _, err := fmt.Fprintf(inW, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
				sent <- err
				return
			}
		}
		body := `{"jsonrpc":"2.0","method":"exit"}`
		_, err := fmt.Fprintf(inW, "Content-Length: %d\r\n\r\n%s", len(body), body)
		sent <- err
	}()
	// The writes end unless the server has stopped reading; then they
	// never do, and go test's -timeout ends the run with every
	// goroutine's stack.
	require.NoError(t, <-sent, "the server read every request while its answers were not read")
	answers := newConn(outR, io.Discard)
	for i := range n {
		m, err := answers.read()
		require.NoError(t, err, "answer %d", i)
		require.NotNil(t, m.Error, "a request before initialize is refused")
		assert.Equal(t, codeNotInitialized, m.Error.Code)
		assert.JSONEq(t, strconv.Itoa(i), string(*m.ID), "answers come in the order of the requests")
	}
	_, err := answers.read()
	assert.ErrorIs(t, err, io.EOF, "nothing after the answers")
	assert.ErrorIs(t, <-served, ErrNoShutdown, "exit without shutdown")
}
