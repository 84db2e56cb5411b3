package lsp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
)

// The JSON-RPC and LSP error codes the server sends.
const (
	codeParseError       = -32700
	codeInvalidRequest   = -32600
	codeMethodNotFound   = -32601
	codeInvalidParams    = -32602
	codeInternalError    = -32603
	codeNotInitialized   = -32002
	codeRequestCancelled = -32800
	codeContentModified  = -32801
)

// message is one JSON-RPC 2.0 message: a request (ID and Method), a
// notification (Method only) or a response (ID, and Result or Error).
type message struct {
	JSONRPC string           `json:"jsonrpc"`
	ID      *json.RawMessage `json:"id,omitempty"`
	Method  string           `json:"method,omitempty"`
	Params  json.RawMessage  `json:"params,omitempty"`
	Result  json.RawMessage  `json:"result,omitempty"`
	Error   *rpcError        `json:"error,omitempty"`
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("%s (code %d)", e.Message, e.Code) }

// conn reads and writes LSP's base protocol: JSON-RPC messages, each
// after a Content-Length header. Reads happen on one goroutine (Serve's
// loop). Writes never block their caller: each message joins an outbox
// that one goroutine writes out in order, so that the server keeps
// reading while a client that is busy sending has not read its answers
// yet (a server that waited for such a client while holding its locks
// would never read again, and both would wait for ever).
type conn struct {
	r *bufio.Reader
	w io.Writer

	mu sync.Mutex // guards the fields below
	// outbox holds the framed messages not written yet.
	outbox [][]byte
	closed bool
	// err is the first write error; the messages after it are dropped.
	err error
	// nextID numbers the requests that the server sends to the client.
	nextID int

	wake chan struct{} // a message or close is waiting (buffered, 1)
	done chan struct{} // closed when the writer has written all and ended
}

func newConn(r io.Reader, w io.Writer) *conn {
	c := &conn{r: bufio.NewReader(r), w: w, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go c.writeLoop()
	return c
}

// writeLoop writes the outbox out until close.
func (c *conn) writeLoop() {
	defer close(c.done)
	for range c.wake {
		for {
			c.mu.Lock()
			if len(c.outbox) == 0 {
				closed := c.closed
				c.mu.Unlock()
				if closed {
					return
				}
				break
			}
			frame := c.outbox[0]
			c.outbox = c.outbox[1:]
			failed := c.err != nil
			c.mu.Unlock()
			if failed {
				continue
			}
			if _, err := c.w.Write(frame); err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
		}
	}
}

// close writes out what the outbox holds and ends the writer; later
// writes fail. It returns the first write error.
func (c *conn) close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if !already {
		c.signal()
	}
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// signal wakes the writer.
func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// read returns the next message; io.EOF when the stream ends between
// messages.
func (c *conn) read() (*message, error) {
	tp := textproto.NewReader(c.r)
	header, err := tp.ReadMIMEHeader()
	if err != nil {
		if errors.Is(err, io.EOF) && len(header) == 0 {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading a message header: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(header.Get("Content-Length")))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("a message header has no valid Content-Length (%q)", header.Get("Content-Length"))
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return nil, fmt.Errorf("reading a message body of %d bytes: %w", n, err)
	}
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		return &message{Error: &rpcError{Code: codeParseError, Message: err.Error()}}, nil
	}
	return &m, nil
}

// errClosed is the error of a write after close.
var errClosed = errors.New("the connection is closed")

// write queues m to be sent, and returns the first error of the writes
// before it, if any.
func (c *conn) write(m *message) error {
	m.JSONRPC = "2.0"
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	frame := append([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))), body...)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	c.outbox = append(c.outbox, frame)
	err = c.err
	c.mu.Unlock()
	c.signal()
	return err
}

// notify sends a notification.
func (c *conn) notify(method string, params any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	return c.write(&message{Method: method, Params: raw})
}

// call sends a request to the client; the server does not wait for the
// answer (the only requests it sends are registrations).
func (c *conn) call(method string, params any) error {
	raw, err := json.Marshal(params)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.nextID++
	id := json.RawMessage(strconv.Quote("pgsafe-" + strconv.Itoa(c.nextID)))
	c.mu.Unlock()
	return c.write(&message{ID: &id, Method: method, Params: raw})
}

// reply answers the request with id: result, or err when it is not nil
// (an *rpcError keeps its code; any other error is an internal error).
func (c *conn) reply(id *json.RawMessage, result any, err error) error {
	if id == nil {
		// The answer to a message whose id could not be read.
		null := json.RawMessage("null")
		id = &null
	}
	if err != nil {
		var re *rpcError
		if !errors.As(err, &re) {
			re = &rpcError{Code: codeInternalError, Message: err.Error()}
		}
		return c.write(&message{ID: id, Error: re})
	}
	raw, merr := json.Marshal(result)
	if merr != nil {
		return c.write(&message{ID: id, Error: &rpcError{Code: codeInternalError, Message: merr.Error()}})
	}
	return c.write(&message{ID: id, Result: raw})
}

// requests tracks the requests being handled, so that $/cancelRequest
// can cancel them.
type requests struct {
	mu      sync.Mutex
	cancels map[string]context.CancelFunc
}

// start registers the request with id and returns its context.
func (r *requests) start(parent context.Context, id *json.RawMessage) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	key := string(*id)
	r.mu.Lock()
	if r.cancels == nil {
		r.cancels = map[string]context.CancelFunc{}
	}
	r.cancels[key] = cancel
	r.mu.Unlock()
	return ctx, func() {
		r.mu.Lock()
		delete(r.cancels, key)
		r.mu.Unlock()
		cancel()
	}
}

// cancel cancels the request with id, if it is still running.
func (r *requests) cancel(id json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.cancels[string(id)]; c != nil {
		c()
	}
}
