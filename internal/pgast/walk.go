package pgast

import (
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

func walkMessage(m protoreflect.Message, visit func(*pg.Node) bool) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walkValue(l.Get(i).Message(), visit)
			}
		case fd.IsMap():
		default:
			walkValue(v.Message(), visit)
		}
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
