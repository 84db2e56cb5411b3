package lsp

import (
	"bytes"
	"context"
	"encoding/json"
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
	assert.Equal(t, "Content-Length: 73\r\n\r\n"+`{"jsonrpc":"2.0","id":null,"error":{"code":-32800,"message":"cancelled"}}`, out.String(), "an answer without an id has id null")
}
