package lsp

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/suppress"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// ignoreReason is the reason an "ignore this rule here" action writes,
// for the user to replace: until then, the suppression is reported as
// giving no reason.
const ignoreReason = suppress.PlaceholderReason

// codeActions answers textDocument/codeAction: each applicable fix of
// the findings in the range as a quick fix, an action that suppresses
// each finding there, and "fix all safe fixes" for the file.
func (s *server) codeActions(ctx context.Context, params CodeActionParams) ([]CodeAction, error) {
	out := []CodeAction{}
	path, err := uriToPath(params.TextDocument.URI)
	if err == nil && isGo(path) {
		return s.goCodeActions(ctx, path, params)
	}
	if err != nil || !isSQL(path) {
		return out, nil
	}
	s.mu.Lock()
	if s.docs[path] == nil {
		s.mu.Unlock()
		return out, nil
	}
	p := s.projectLocked(path)
	s.mu.Unlock()
	err = p.withFresh(ctx, func(c checked) error {
		text, ok := p.texts[path]
		if !ok {
			return nil
		}
		x := newLineIndex(text, s.encoding)
		start, end := x.offset(params.Range.Start), x.offset(params.Range.End)
		f := p.file(path)
		for _, d := range p.placed(path) {
			if !overlaps(d.Span.Start, d.Span.End, start, end) || !wanted(params.Context.Only, kindQuickFix) {
				continue
			}
			ld := s.diagnosticLocked(p, d, x)
			out = append(out, s.fixActions(p, path, c, d, ld)...)
			if edit, ok := s.ignoreEdit(path, c, text, f, d); ok {
				out = append(out, CodeAction{Title: fmt.Sprintf("%s: ignore %s here (pgsafe:ignore)", d.Rule.Code, d.Rule.Name), Kind: kindQuickFix, Diagnostics: []Diagnostic{ld}, Edit: edit})
			}
		}
		if wanted(params.Context.Only, kindFixAll) {
			action, err := s.fixAll(ctx, p, path, c)
			if err != nil {
				return err
			}
			if action != nil {
				out = append(out, *action)
			}
		}
		return nil
	})
	return out, err
}

// fixActions returns a quick fix for each fix of finding d (ld as the
// client sees it) in the file at path that pgsafe can apply and the
// client can take; the first safe one is preferred.
func (s *server) fixActions(p *project, path string, c checked, d rules.Diagnostic, ld Diagnostic) []CodeAction {
	var out []CodeAction
	preferred := true
	for _, fx := range d.Fixes {
		if fx.Safety == rules.DisplayOnly || len(fx.Edits) == 0 {
			continue
		}
		edit, ok := s.fixEdit(p, path, c, fx.Edits)
		if !ok {
			continue
		}
		title := fmt.Sprintf("%s: %s", d.Rule.Code, fx.Title)
		if fx.Safety == rules.Unsafe {
			title += " (unsafe: check it before you apply it)"
		}
		out = append(out, CodeAction{Title: title, Kind: kindQuickFix, Diagnostics: []Diagnostic{ld}, IsPreferred: preferred && fx.Safety == rules.Safe, Edit: edit})
		preferred = preferred && fx.Safety != rules.Safe
	}
	return out
}

// wanted reports whether an action of kind passes the client's filter
// only: a kind is wanted when it is, or lies under, one of the kinds
// listed (source.fixAll.pgsafe under source.fixAll and source).
func wanted(only []string, kind string) bool {
	if len(only) == 0 {
		// No filter: every kind (editors list source actions apart).
		return true
	}
	for _, o := range only {
		if kind == o || strings.HasPrefix(kind, o+".") {
			return true
		}
	}
	return false
}

// overlaps reports whether the byte ranges [a, b) and [c, d) meet; an
// empty range (a cursor) meets the range it touches.
func overlaps(a, b, c, d int) bool {
	return a <= d && c <= b
}

// fixEdit returns the workspace edit of a fix's edits, made to the
// texts that check c read: in the file at path (rules.Edit.Path ""), in
// other files of the set, and in files that it creates. ok is false when
// the client cannot apply it (it cannot create files).
func (s *server) fixEdit(p *project, path string, c checked, edits []rules.Edit) (*WorkspaceEdit, bool) {
	byPath := map[string][]rules.Edit{}
	var order []string
	for _, e := range edits {
		target := e.Path
		if target == "" {
			target = path
		}
		if _, seen := byPath[target]; !seen {
			order = append(order, target)
		}
		byPath[target] = append(byPath[target], e)
	}
	files := make([]fileEdit, 0, len(order))
	for _, target := range order {
		text, exists := p.textOf(target)
		if !exists {
			if b, err := os.ReadFile(target); err == nil {
				text, exists = string(b), true
			}
		}
		files = append(files, fileEdit{path: target, text: text, create: !exists, edits: byPath[target]})
	}
	return s.workspaceEdit(c, files)
}

// fileEdit is the edits of one file, by byte offsets in text; create
// says that the file does not exist yet.
type fileEdit struct {
	path   string
	text   string
	create bool
	edits  []rules.Edit
}

// workspaceEdit converts file edits for the client: document changes
// (file creations first, then edits of versioned documents) when it supports
// them, else edits by URI, which cannot create files (ok is false then).
func (s *server) workspaceEdit(c checked, files []fileEdit) (*WorkspaceEdit, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	we := &WorkspaceEdit{}
	for _, f := range files {
		if f.create && (!s.documentChanges || !s.createFiles) {
			return nil, false
		}
	}
	creates := 0 // the CreateFile operations at the head of DocumentChanges
	for _, f := range files {
		uri := s.uriOf(f.path)
		x := newLineIndex(f.text, s.encoding)
		// By place, an insertion before a replacement that starts where
		// it is, as clients (VS Code) refuse edits whose ranges cross.
		sorted := slices.Clone(f.edits)
		sort.SliceStable(sorted, func(i, j int) bool {
			if sorted[i].Start != sorted[j].Start {
				return sorted[i].Start < sorted[j].Start
			}
			return sorted[i].End < sorted[j].End
		})
		edits := make([]TextEdit, 0, len(sorted))
		for _, e := range sorted {
			edits = append(edits, TextEdit{Range: x.rangeOf(e.Start, e.End), NewText: e.NewText})
		}
		if !s.documentChanges {
			if we.Changes == nil {
				we.Changes = map[string][]TextEdit{}
			}
			we.Changes[uri] = append(we.Changes[uri], edits...)
			continue
		}
		if f.create {
			// Files are created first, before any edit.
			we.DocumentChanges = slices.Insert(we.DocumentChanges, creates, any(CreateFile{Kind: "create", URI: uri, Options: &CreateFileOptions{IgnoreIfExists: true}}))
			creates++
		}
		id := VersionedTextDocumentIdentifier{URI: uri}
		if v, open := c.versions[f.path]; open && s.docs[f.path] != nil {
			id.Version = &v
		}
		we.DocumentChanges = append(we.DocumentChanges, TextDocumentEdit{TextDocument: id, Edits: edits})
	}
	return we, true
}

// ignoreEdit returns the edit that suppresses finding d where it is: a
// `-- pgsafe:ignore CODE reason` line above its statement, indented as
// the statement is.
func (s *server) ignoreEdit(path string, c checked, text string, f *migration.File, d rules.Diagnostic) (*WorkspaceEdit, bool) {
	at := d.Span.Start
	if f != nil {
		for _, st := range f.Statements {
			if st.Span.Start <= d.Span.Start && d.Span.Start < max(st.Span.End, st.Span.Start+1) {
				at = st.Span.Start
				break
			}
		}
	}
	eol := "\n"
	if strings.Contains(text, "\r\n") {
		eol = "\r\n"
	}
	comment := fmt.Sprintf("-- pgsafe:ignore %s %s", d.Rule.Code, ignoreReason)
	lineStart := strings.LastIndexByte(text[:at], '\n') + 1
	indent := text[lineStart:at]
	insert := rules.Edit{Start: lineStart, End: lineStart, NewText: indent + comment + eol}
	if strings.TrimSpace(indent) != "" {
		// The statement does not open its line: the comment goes on a
		// line of its own just before it.
		insert = rules.Edit{Start: at, End: at, NewText: eol + comment + eol}
	}
	return s.workspaceEdit(c, []fileEdit{{path: path, text: text, edits: []rules.Edit{insert}}})
}

// fixAll returns the source action that applies every safe fix of the
// file at path (a migration, or a Go file of the config's code globs),
// as pgsafe fix would (round after round), or nil when there is none.
func (s *server) fixAll(ctx context.Context, p *project, path string, c checked) (*CodeAction, error) {
	if p.settings == nil {
		return nil, nil
	}
	// The options of the last check: with the SQL of the Go code as it
	// read it, open buffers in place of files.
	opts := p.checkOpts
	files := make([]source.File, 0, len(p.texts))
	for path, text := range p.texts {
		files = append(files, source.File{Path: path, Text: text})
	}
	sort.SliceStable(files, func(i, j int) bool { return source.Less(files[i].Path, files[j].Path) })
	res, err := rewrite.FixContext(ctx, files, opts, rewrite.Options{Only: func(p string) bool { return p == path }})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.logf("fix all in %s: %v", path, err)
		return nil, nil
	}
	var edits []fileEdit
	for _, f := range res.Files {
		if !f.Changed() {
			continue
		}
		edits = append(edits, fileEdit{path: f.Path, text: f.Original, create: f.Created, edits: []rules.Edit{{Start: 0, End: len(f.Original), NewText: f.Fixed}}})
	}
	if len(edits) == 0 {
		return nil, nil
	}
	we, ok := s.workspaceEdit(c, edits)
	if !ok {
		return nil, nil
	}
	return &CodeAction{Title: "pgsafe: apply every safe fix in this file", Kind: kindFixAll, Edit: we}, nil
}
