// Package lsp is pgsafe's language server: it speaks the Language Server
// Protocol (3.17) over a stream, lints the migration set around each open
// .sql file as pgsafe lint does (with the SQL of the Go files that the
// set's code globs read, whose open documents get their findings too:
// godocs.go), and offers pgsafe's fixes as code actions. The JSON-RPC
// layer is written here over the standard library (see docs/lsp.md for
// why).
//
// Concurrency: one goroutine reads messages. Notifications (document
// changes) are handled on it, in order; requests run on goroutines of
// their own, each with a context that $/cancelRequest cancels. Each
// migration set (project) has a goroutine that checks it when its files
// change, after the debounce delay, and publishes the diagnostics of its
// open documents. A change to a file of the set while a check runs stops
// that check (lint.RunContext, between files and statements): it
// publishes nothing, and the next check does its work. A request whose
// check is stopped that way is answered ContentModified; one that the
// client cancels, RequestCancelled.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
)

// DefaultDebounce is how long the server waits after a change before it
// checks, so that a burst of keystrokes makes one check.
const DefaultDebounce = 150 * time.Millisecond

// Settings are the options of one migration set, resolved from its
// config as pgsafe lint resolves them.
type Settings struct {
	Lint   lint.Options
	Source source.Options
	// Prepare, when set, completes Lint once the set's files are read
	// (what has shipped, from the config's release tags); it runs when
	// the set is loaded, not on every check.
	Prepare func(ctx context.Context, files []source.File) (lint.Options, error)
	// Finish, when set, runs on each check's result after the rules and
	// before the findings are shown (the config's stats snapshot prices
	// the lock findings, as lint --stats does).
	Finish func(res *lint.Result)
	// Code reports that the set checks the SQL in the application's Go
	// code (the config's code globs, read into Lint when the set is
	// loaded): a change to a .go file under the set's root loads it
	// again.
	Code bool
	// CodeFiles are the Go files that the config's code globs read, with
	// their text on disk, whether or not they send SQL. The SQL in Lint
	// was found in these texts; the server finds it again (gocode.Check)
	// with the text of each open buffer in place of its file's, and
	// publishes the findings in these files to their open documents.
	CodeFiles []source.File
}

// Resolver returns the settings of the migration set whose files lie
// under the folder root and whose config is cfg (an empty config when the
// set has none). An error that is, or wraps, a *config.Error is shown on
// the config file at its line.
type Resolver func(ctx context.Context, root string, cfg *config.Config) (*Settings, error)

// Options configure the server.
type Options struct {
	// Resolve turns a config into settings; required.
	Resolve Resolver
	// Log receives the server's log lines (standard error); nil discards
	// them. Nothing is ever written to the protocol stream but messages.
	Log io.Writer
	// Version is pgsafe's version, for serverInfo.
	Version string
	// Debounce is the delay between a change and its check, unless the
	// client's initializationOptions set debounceMs. A negative value
	// means DefaultDebounce; 0 checks at once.
	Debounce time.Duration
}

// ErrNoShutdown is returned by Serve when the client sent exit without
// shutdown first, or closed the stream without exit: the process should
// exit with status 1.
var ErrNoShutdown = errors.New("the client ended the session without a shutdown request")

// Serve runs the server on the stream (in, out) until the client sends
// exit, the stream ends, or ctx is done.
func Serve(ctx context.Context, in io.Reader, out io.Writer, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	s := &server{
		ctx:      ctx,
		opts:     opts,
		conn:     newConn(in, out),
		log:      log.New(logw, "pgsafe lsp: ", log.LstdFlags|log.Lmicroseconds),
		encoding: encodingUTF16,
		debounce: opts.Debounce,
		docs:     map[string]*document{},
		projects: map[string]*project{},
	}
	if s.debounce < 0 {
		s.debounce = DefaultDebounce
	}
	// The answers of the handlers that stop waits for are written out
	// before Serve returns.
	defer func() {
		if err := s.conn.close(); err != nil {
			s.logf("writing to the client: %v", err)
		}
	}()
	defer s.stop()
	for {
		m, err := s.conn.read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return ErrNoShutdown
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if m.Method == "exit" {
			s.mu.Lock()
			down := s.shutdown
			s.mu.Unlock()
			if !down {
				return ErrNoShutdown
			}
			return nil
		}
		s.dispatch(m)
	}
}

// server is the state of one session.
type server struct {
	ctx  context.Context
	opts Options
	conn *conn
	reqs requests
	log  *log.Logger
	// handlers counts the request handlers running, for stop.
	handlers sync.WaitGroup

	mu          sync.Mutex // guards the fields below and every project's state
	initialized bool
	shutdown    bool
	encoding    string
	folders     []string // absolute paths of the workspace folders
	debounce    time.Duration
	// What the client supports.
	documentChanges, createFiles, watchDynamic bool
	docs                                       map[string]*document // open documents by absolute path
	projects                                   map[string]*project  // by root folder
	// configDiags are the config files that have diagnostics published.
	configDiags map[string]bool
	// goDiags are the diagnostics of each open Go document, by path, from
	// each set (by root) whose code globs read it: a Go file read by two
	// sets shows the findings of both.
	goDiags map[string]map[string][]Diagnostic
}

// document is an open text document.
type document struct {
	path    string // absolute, cleaned
	uri     string // as the client sent it
	version int
	text    string
}

// stop ends the projects' goroutines and waits for running handlers.
func (s *server) stop() {
	s.mu.Lock()
	for _, p := range s.projects {
		p.close()
	}
	s.projects = map[string]*project{}
	s.mu.Unlock()
	s.handlers.Wait()
}

// dispatch handles one message from the client.
func (s *server) dispatch(m *message) {
	switch {
	case m.Error != nil && m.Method == "" && m.ID == nil:
		// A message that did not parse.
		s.logf("%v", m.Error)
		s.send(s.conn.reply(nil, nil, m.Error))
	case m.Method == "" && m.ID != nil:
		// A response to a request the server sent (a registration).
		if m.Error != nil {
			s.logf("the client refused a request: %v", m.Error)
		}
	case m.ID == nil:
		s.notification(m.Method, m.Params)
	default:
		s.request(m)
	}
}

// request answers a request on a goroutine of its own, except initialize
// and shutdown, which change the session's state in order.
func (s *server) request(m *message) {
	s.mu.Lock()
	initialized, down := s.initialized, s.shutdown
	s.mu.Unlock()
	switch {
	case m.Method == "initialize":
		res, err := s.initialize(m.Params)
		s.send(s.conn.reply(m.ID, res, err))
		return
	case !initialized:
		s.send(s.conn.reply(m.ID, nil, &rpcError{Code: codeNotInitialized, Message: "the server is not initialized"}))
		return
	case down:
		s.send(s.conn.reply(m.ID, nil, &rpcError{Code: codeInvalidRequest, Message: "the server is shutting down"}))
		return
	case m.Method == "shutdown":
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		s.handlers.Wait()
		s.send(s.conn.reply(m.ID, nil, nil))
		return
	}
	ctx, done := s.reqs.start(s.ctx, m.ID)
	s.handlers.Add(1)
	go func() {
		defer s.handlers.Done()
		defer done()
		res, err := s.handle(ctx, m.Method, m.Params)
		if ctx.Err() != nil && s.ctx.Err() == nil {
			res, err = nil, &rpcError{Code: codeRequestCancelled, Message: "the request was cancelled"}
		}
		s.send(s.conn.reply(m.ID, res, err))
	}()
}

// handle runs the request method.
func (s *server) handle(ctx context.Context, method string, params json.RawMessage) (any, error) {
	switch method {
	case "textDocument/hover":
		var p TextDocumentPositionParams
		if err := unmarshal(params, &p); err != nil {
			return nil, err
		}
		return s.hover(ctx, p)
	case "textDocument/codeAction":
		var p CodeActionParams
		if err := unmarshal(params, &p); err != nil {
			return nil, err
		}
		return s.codeActions(ctx, p)
	default:
		return nil, &rpcError{Code: codeMethodNotFound, Message: "pgsafe does not handle " + method}
	}
}

// notification handles a notification, in the order they come.
func (s *server) notification(method string, params json.RawMessage) {
	s.mu.Lock()
	initialized := s.initialized
	s.mu.Unlock()
	if !initialized && method != "initialized" {
		return
	}
	var err error
	switch method {
	case "initialized":
		s.registerWatchers()
	case "$/cancelRequest":
		var p CancelParams
		if err = unmarshal(params, &p); err == nil {
			s.reqs.cancel(p.ID)
		}
	case "textDocument/didOpen":
		var p DidOpenTextDocumentParams
		if err = unmarshal(params, &p); err == nil {
			s.didOpen(p)
		}
	case "textDocument/didChange":
		var p DidChangeTextDocumentParams
		if err = unmarshal(params, &p); err == nil {
			err = s.didChange(p)
		}
	case "textDocument/didSave":
		var p DidSaveTextDocumentParams
		if err = unmarshal(params, &p); err == nil {
			s.didSave(p)
		}
	case "textDocument/didClose":
		var p DidCloseTextDocumentParams
		if err = unmarshal(params, &p); err == nil {
			s.didClose(p)
		}
	case "workspace/didChangeWatchedFiles":
		var p DidChangeWatchedFilesParams
		if err = unmarshal(params, &p); err == nil {
			s.didChangeWatchedFiles(p)
		}
	case "workspace/didChangeWorkspaceFolders":
		var p DidChangeWorkspaceFoldersParams
		if err = unmarshal(params, &p); err == nil {
			s.didChangeWorkspaceFolders(p)
		}
	default:
		// Other notifications ($/setTrace, workspace/didChangeConfiguration,
		// ...) change nothing here.
	}
	if err != nil {
		s.logf("%s: %v", method, err)
	}
}

// initializationOptions are the settings a client may pass in
// initialize's initializationOptions.
type initializationOptions struct {
	// DebounceMs is the delay in milliseconds between a change and its
	// check; 0 checks at once.
	DebounceMs *int `json:"debounceMs"`
}

func (s *server) initialize(raw json.RawMessage) (*InitializeResult, error) {
	var p InitializeParams
	if err := unmarshal(raw, &p); err != nil {
		return nil, err
	}
	var iopts initializationOptions
	if len(p.InitializationOptions) > 0 && string(p.InitializationOptions) != "null" {
		if err := json.Unmarshal(p.InitializationOptions, &iopts); err != nil {
			return nil, &rpcError{Code: codeInvalidParams, Message: "initializationOptions: " + err.Error()}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initialized {
		return nil, &rpcError{Code: codeInvalidRequest, Message: "initialize was already sent"}
	}
	s.initialized = true
	if iopts.DebounceMs != nil {
		s.debounce = time.Duration(*iopts.DebounceMs) * time.Millisecond
	}
	caps := p.Capabilities
	if caps.General != nil {
		s.encoding = chooseEncoding(caps.General.PositionEncodings)
	}
	if w := caps.Workspace; w != nil {
		if w.WorkspaceEdit != nil {
			s.documentChanges = w.WorkspaceEdit.DocumentChanges
			for _, op := range w.WorkspaceEdit.ResourceOperations {
				s.createFiles = s.createFiles || op == "create"
			}
		}
		s.watchDynamic = w.DidChangeWatchedFiles != nil && w.DidChangeWatchedFiles.DynamicRegistration
	}
	for _, f := range p.WorkspaceFolders {
		if path, err := uriToPath(f.URI); err == nil {
			s.folders = append(s.folders, path)
		}
	}
	if len(s.folders) == 0 {
		switch {
		case p.RootURI != "":
			if path, err := uriToPath(p.RootURI); err == nil {
				s.folders = append(s.folders, path)
			}
		case p.RootPath != "":
			s.folders = append(s.folders, filepath.Clean(p.RootPath))
		}
	}
	res := &InitializeResult{
		Capabilities: ServerCapabilities{
			PositionEncoding: s.encoding,
			TextDocumentSync: TextDocumentSyncOptions{OpenClose: true, Change: 2, Save: SaveOptions{IncludeText: false}},
			HoverProvider:    true,
			CodeActionProvider: &CodeActionOptions{
				CodeActionKinds: []string{kindQuickFix, kindFixAll},
			},
			Workspace: &WorkspaceCapabilities{},
		},
		ServerInfo: ServerInfo{Name: "pgsafe", Version: s.opts.Version},
	}
	res.Capabilities.Workspace.WorkspaceFolders.Supported = true
	res.Capabilities.Workspace.WorkspaceFolders.ChangeNotifications = true
	return res, nil
}

// registerWatchers asks the client to report changes to configs and
// migrations on disk, when it lets servers register that.
func (s *server) registerWatchers() {
	s.mu.Lock()
	ok := s.watchDynamic
	s.mu.Unlock()
	if !ok {
		return
	}
	s.send(s.conn.call("client/registerCapability", RegistrationParams{Registrations: []Registration{{
		ID:     "pgsafe-watch",
		Method: "workspace/didChangeWatchedFiles",
		RegisterOptions: map[string]any{"watchers": []FileSystemWatcher{
			{GlobPattern: "**/" + config.FileName},
			{GlobPattern: "**/*.sql"},
			{GlobPattern: "**/*.go"},
		}},
	}}}))
}

func (s *server) didOpen(p DidOpenTextDocumentParams) {
	path, err := uriToPath(p.TextDocument.URI)
	if err != nil {
		s.logf("didOpen: %v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = &document{path: path, uri: p.TextDocument.URI, version: p.TextDocument.Version, text: p.TextDocument.Text}
	s.changedLocked(path, 0)
}

func (s *server) didChange(p DidChangeTextDocumentParams) error {
	path, err := uriToPath(p.TextDocument.URI)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[path]
	if d == nil {
		return fmt.Errorf("%s is not open", p.TextDocument.URI)
	}
	for _, c := range p.ContentChanges {
		if c.Range == nil {
			d.text = c.Text
			continue
		}
		x := newLineIndex(d.text, s.encoding)
		start, end := x.offset(c.Range.Start), x.offset(c.Range.End)
		if end < start {
			start, end = end, start
		}
		d.text = d.text[:start] + c.Text + d.text[end:]
	}
	if p.TextDocument.Version != nil {
		d.version = *p.TextDocument.Version
	}
	s.changedLocked(path, s.debounce)
	return nil
}

func (s *server) didSave(p DidSaveTextDocumentParams) {
	path, err := uriToPath(p.TextDocument.URI)
	if err != nil {
		s.logf("didSave: %v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.docs[path]; d != nil && p.Text != nil {
		d.text = *p.Text
	}
	if filepath.Base(path) == config.FileName {
		s.configChangedLocked()
		return
	}
	if proj := s.projects[s.rootOf(path)]; proj != nil && isSQL(path) {
		proj.saved(path)
	}
	if isGo(path) {
		s.goSavedLocked(path)
		return
	}
	s.changedLocked(path, 0)
}

func (s *server) didClose(p DidCloseTextDocumentParams) {
	path, err := uriToPath(p.TextDocument.URI)
	if err != nil {
		s.logf("didClose: %v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.docs[path]
	if d == nil {
		return
	}
	delete(s.docs, path)
	delete(s.goDiags, path)
	// The file on disk takes the buffer's place in its set.
	s.changedLocked(path, s.debounce)
	if !s.configDiags[path] {
		s.publish(PublishDiagnosticsParams{URI: d.uri, Diagnostics: []Diagnostic{}})
	}
}

func (s *server) didChangeWatchedFiles(p DidChangeWatchedFilesParams) {
	s.mu.Lock()
	defer s.mu.Unlock()
	configs := false
	for _, c := range p.Changes {
		path, err := uriToPath(c.URI)
		if err != nil {
			continue
		}
		if filepath.Base(path) == config.FileName {
			configs = true
			continue
		}
		if isGo(path) {
			s.goChangedLocked(path)
			continue
		}
		if proj := s.projects[s.rootOf(path)]; proj != nil {
			proj.reloadFiles = true
			proj.full = true
			proj.overtaken()
			s.scheduleLocked(proj, 0)
		}
	}
	if configs {
		s.configChangedLocked()
	}
}

func (s *server) didChangeWorkspaceFolders(p DidChangeWorkspaceFoldersParams) {
	s.mu.Lock()
	defer s.mu.Unlock()
	removed := map[string]bool{}
	for _, f := range p.Event.Removed {
		if path, err := uriToPath(f.URI); err == nil {
			removed[path] = true
		}
	}
	folders := s.folders[:0:0]
	for _, f := range s.folders {
		if !removed[f] {
			folders = append(folders, f)
		}
	}
	for _, f := range p.Event.Added {
		if path, err := uriToPath(f.URI); err == nil {
			folders = append(folders, path)
		}
	}
	s.folders = folders
	s.configChangedLocked()
}

// goChangedLocked loads again, and checks, the sets whose code globs
// may read the Go file at path: those that check Go code and whose root
// holds it. The caller holds server.mu.
func (s *server) goChangedLocked(path string) {
	for root, p := range s.projects {
		if p.code && within(path, root) {
			p.reloadFiles = true
			p.full = true
			p.overtaken()
			s.scheduleLocked(p, 0)
		}
	}
}

// configChangedLocked starts over after a config file changed: which
// config governs each file, and each set's settings, may have changed.
// Every open document is checked again at once.
func (s *server) configChangedLocked() {
	for _, p := range s.projects {
		p.close()
	}
	s.projects = map[string]*project{}
	// The configs that had errors get them again, or an empty list, from
	// the checks of their sets (publishCheck).
	for path := range s.docs {
		if isSQL(path) || isGo(path) {
			s.changedLocked(path, 0)
		}
	}
	// A Go document that no set may read any more loses its findings;
	// the others get theirs from the checks of their sets.
	if len(s.projects) == 0 {
		for path := range s.goDiags {
			delete(s.goDiags, path)
			if d := s.docs[path]; d != nil {
				s.publish(PublishDiagnosticsParams{URI: d.uri, Diagnostics: []Diagnostic{}})
			}
		}
	}
}

// changedLocked notes that the text of path changed (opened, edited,
// closed, saved) and schedules its set's check after delay.
func (s *server) changedLocked(path string, delay time.Duration) {
	if isGo(path) {
		s.goDocChangedLocked(path, delay)
		return
	}
	// A Flyway .sql.conf changes how its migration runs.
	path = strings.TrimSuffix(path, ".conf")
	if !isSQL(path) {
		return
	}
	p := s.projectLocked(path)
	p.gen++
	p.dirty = true
	p.overtaken()
	s.scheduleLocked(p, delay)
}

// scheduleLocked checks p after delay; a later call before then moves
// the check.
func (s *server) scheduleLocked(p *project, delay time.Duration) {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if delay <= 0 {
		p.kick()
		return
	}
	p.timer = time.AfterFunc(delay, p.kick)
}

// rootOf returns the root folder of the set that path belongs to: the
// folder of its nearest .pgsafe.toml when that lies in the workspace
// folder that holds path (a monorepo's nested set), else that workspace
// folder; outside every workspace folder, the config's folder, else the
// file's own folder.
func (s *server) rootOf(path string) string {
	cfg := config.Find(filepath.Dir(path))
	cfgDir := ""
	if cfg != "" {
		cfgDir = filepath.Dir(cfg)
	}
	folder := ""
	for _, f := range s.folders {
		if within(path, f) && len(f) > len(folder) {
			folder = f
		}
	}
	switch {
	case folder != "" && cfgDir != "" && within(cfgDir, folder):
		return cfgDir
	case folder != "":
		return folder
	case cfgDir != "":
		return cfgDir
	default:
		return filepath.Dir(path)
	}
}

// projectLocked returns the set that path belongs to, made and started
// when new.
func (s *server) projectLocked(path string) *project {
	root := s.rootOf(path)
	if p := s.projects[root]; p != nil {
		return p
	}
	p := newProject(s, root)
	s.projects[root] = p
	go p.run()
	return p
}

// send logs a failed write: the client is gone, and the read loop will
// see the stream end.
func (s *server) send(err error) {
	if err != nil {
		s.logf("writing to the client: %v", err)
	}
}

// publish sends diagnostics.
func (s *server) publish(p PublishDiagnosticsParams) {
	if p.Diagnostics == nil {
		p.Diagnostics = []Diagnostic{}
	}
	s.send(s.conn.notify("textDocument/publishDiagnostics", p))
}

// logf writes a line to the log.
func (s *server) logf(format string, args ...any) {
	s.log.Printf(format, args...)
}

// uriOf returns the URI of the open document at path, else a file URI.
func (s *server) uriOf(path string) string {
	if d := s.docs[path]; d != nil {
		return d.uri
	}
	return pathToURI(path)
}

func unmarshal(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return &rpcError{Code: codeInvalidParams, Message: err.Error()}
	}
	return nil
}

// isSQL reports whether path names a SQL file.
func isSQL(path string) bool { return strings.EqualFold(filepath.Ext(path), ".sql") }

// isGo reports whether path names a Go file.
func isGo(path string) bool { return filepath.Ext(path) == ".go" }

// within reports whether path is dir or lies under it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(os.PathSeparator))
}
