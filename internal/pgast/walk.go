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
