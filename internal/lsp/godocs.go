package lsp

import (
	"path/filepath"
	"sort"
	"time"

	"github.com/pgsafe/pgsafe/internal/config"
)

// Go documents: the server publishes the findings in the Go files that a
// set's code globs read (the SQL they send, checked as pgsafe lint
// --code checks it) to their open documents, and the text of an open Go
// document takes the place of its file on disk in every set that reads
// it.

// goDocChangedLocked notes that the open text of the Go file at path
// changed (opened, edited, closed): the sets that read it check again
// after delay. Opening a Go file under a config also loads the config's
// set, which learns from its code globs whether it reads the file (a
// Go file under no config is read by no set that is not open already).
// The caller holds server.mu.
func (s *server) goDocChangedLocked(path string, delay time.Duration) {
	if s.docs[path] != nil && config.Find(filepath.Dir(path)) != "" && s.projects[s.rootOf(path)] == nil {
		// A new set checks at once, and publishes to the open Go
		// documents that its code globs read.
		s.scheduleLocked(s.projectLocked(path), 0)
	}
	for _, p := range s.projects {
		if p.readsGo(path) {
			p.gen++
			p.dirty = true
			p.overtaken()
			s.scheduleLocked(p, delay)
		}
	}
}

// goSavedLocked notes that the open Go document at path was saved: its
// text on disk is now its buffer's. A Go file that no set reads yet (a
// new file that a code glob covers) makes the sets that check Go code
// under whose root it lies read their files again. The caller holds
// server.mu.
func (s *server) goSavedLocked(path string) {
	read := false
	for _, p := range s.projects {
		if p.readsGo(path) {
			p.saved(path)
			read = true
		}
	}
	if !read {
		s.goChangedLocked(path)
	}
	s.goDocChangedLocked(path, 0)
}

// publishGoLocked publishes the diagnostics of the open Go document at
// path: those of every set that reads it, in the order of the sets'
// roots. A set that no longer exists (its config changed) has its
// findings dropped. The caller holds server.mu.
func (s *server) publishGoLocked(path string, version int) {
	d := s.docs[path]
	if d == nil {
		return
	}
	byRoot := s.goDiags[path]
	roots := make([]string, 0, len(byRoot))
	for root := range byRoot {
		if s.projects[root] == nil {
			delete(byRoot, root)
			continue
		}
		roots = append(roots, root)
	}
	sort.Strings(roots)
	out := []Diagnostic{}
	for _, root := range roots {
		out = append(out, byRoot[root]...)
	}
	v := version
	s.publish(PublishDiagnosticsParams{URI: d.uri, Version: &v, Diagnostics: out})
}

// publishGoCheck publishes the findings of p's last check c in the open
// Go documents that it read, and takes p's findings off those it no
// longer reads. The caller holds p.checkMu and server.mu.
func (s *server) publishGoCheck(p *project, c checked) {
	for path, d := range s.docs {
		if !isGo(path) {
			continue
		}
		version, read := c.versions[path]
		if !read {
			if _, had := s.goDiags[path][p.root]; had && !p.readsGo(path) {
				delete(s.goDiags[path], p.root)
				s.publishGoLocked(path, d.version)
			}
			continue
		}
		x := newLineIndex(p.goFound.Sources[path], s.encoding)
		out := make([]Diagnostic, 0, len(p.diags[path]))
		for _, fd := range p.diags[path] {
			out = append(out, s.diagnostic(p, fd, x))
		}
		if s.goDiags == nil {
			s.goDiags = map[string]map[string][]Diagnostic{}
		}
		if s.goDiags[path] == nil {
			s.goDiags[path] = map[string][]Diagnostic{}
		}
		s.goDiags[path][p.root] = out
		s.publishGoLocked(path, version)
	}
}
