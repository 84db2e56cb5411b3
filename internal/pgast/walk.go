package pgast

import (
	"sync"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Walk calls visit for every Node in the tree below root, root included,
// in depth-first order. When visit returns false the node's children are
// skipped. It reaches every field through protobuf reflection, so it sees
// node kinds that no rule models.
func Walk(root *pg.Node, visit func(*pg.Node) bool) {
	if root == nil {
		return
	}
	if !visit(root) {
		return
	}
	walkMessage(root.ProtoReflect(), visit)
}

var nodeName = (&pg.Node{}).ProtoReflect().Descriptor().FullName()

// holdsNodes caches, by message type, whether a message of that type can
// hold a Node anywhere below it; most leaves (constants, names) cannot,
// and Walk need not look inside them.
var holdsNodes sync.Map // protoreflect.FullName -> bool

// mayHoldNodes reports whether a message of type md can hold a Node.
func mayHoldNodes(md protoreflect.MessageDescriptor) bool {
	if v, ok := holdsNodes.Load(md.FullName()); ok {
		return v.(bool)
	}
	v := searchNodes(md, map[protoreflect.FullName]bool{})
	holdsNodes.Store(md.FullName(), v)
	return v
}

// searchNodes looks for a Node field in md and the message types it
// holds, skipping those in seen.
func searchNodes(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if md.FullName() == nodeName {
		return true
	}
	if seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		if fd := fields.Get(i); fd.Kind() == protoreflect.MessageKind && searchNodes(fd.Message(), seen) {
			return true
		}
	}
	return false
}

func walkMessage(m protoreflect.Message, visit func(*pg.Node) bool) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind || fd.IsMap() || !mayHoldNodes(fd.Message()) {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walkValue(l.Get(i).Message(), visit)
			}
			return true
		}
		walkValue(v.Message(), visit)
		return true
	})
}

func walkValue(m protoreflect.Message, visit func(*pg.Node) bool) {
	if m.Descriptor().FullName() == nodeName {
		if n, ok := m.Interface().(*pg.Node); ok {
			if !visit(n) {
				return
			}
		}
	}
	walkMessage(m, visit)
}

// Location returns the location field of n's node kind (a byte offset of
// the parsed text), or -1 when the kind has none or it is unknown.
func Location(n *pg.Node) int32 {
	if n == nil {
		return -1
	}
	m := n.ProtoReflect()
	fd := m.WhichOneof(m.Descriptor().Oneofs().Get(0))
	if fd == nil || fd.Kind() != protoreflect.MessageKind {
		return -1
	}
	inner := m.Get(fd).Message()
	if f := inner.Descriptor().Fields().ByName("location"); f != nil && f.Kind() == protoreflect.Int32Kind {
		return int32(inner.Get(f).Int())
	}
	return -1
}
