// Package locks is pgsafe's single model of PostgreSQL table-level locks:
// the lock modes, their conflict matrix, and which lock each statement kind
// and each ALTER TABLE subcommand takes. Rules, reports and the tracer all
// read locks from here.
package locks

// Mode is a PostgreSQL table-level lock mode. The zero value None means no
// table lock. Modes are ordered from weakest to strongest.
type Mode int

// The table-level lock modes, weakest first.
const (
	None Mode = iota
	AccessShare
	RowShare
	RowExclusive
	ShareUpdateExclusive
	Share
	ShareRowExclusive
	Exclusive
	AccessExclusive
)

var modeNames = [...]string{
	None:                 "",
	AccessShare:          "ACCESS SHARE",
	RowShare:             "ROW SHARE",
	RowExclusive:         "ROW EXCLUSIVE",
	ShareUpdateExclusive: "SHARE UPDATE EXCLUSIVE",
	Share:                "SHARE",
	ShareRowExclusive:    "SHARE ROW EXCLUSIVE",
	Exclusive:            "EXCLUSIVE",
	AccessExclusive:      "ACCESS EXCLUSIVE",
}

// String returns the mode as PostgreSQL documents it ("SHARE ROW EXCLUSIVE"),
// or "" for None.
func (m Mode) String() string {
	if m < None || m > AccessExclusive {
		return ""
	}
	return modeNames[m]
}

// ParseMode returns the mode named s, as written in LOCK TABLE or pg_locks
// ("ShareLock", "SHARE"), and false when s names none.
func ParseMode(s string) (Mode, bool) {
	for m := AccessShare; m <= AccessExclusive; m++ {
		if s == m.String() || s == m.PgLocksName() {
			return m, true
		}
	}
	return None, false
}

// PgLocksName returns the mode as the pg_locks view spells it ("ShareLock").
func (m Mode) PgLocksName() string {
	switch m {
	case AccessShare:
		return "AccessShareLock"
	case RowShare:
		return "RowShareLock"
	case RowExclusive:
		return "RowExclusiveLock"
	case ShareUpdateExclusive:
		return "ShareUpdateExclusiveLock"
	case Share:
		return "ShareLock"
	case ShareRowExclusive:
		return "ShareRowExclusiveLock"
	case Exclusive:
		return "ExclusiveLock"
	case AccessExclusive:
		return "AccessExclusiveLock"
	default:
		return ""
	}
}

// conflicts is PostgreSQL's table-level lock conflict matrix
// (https://www.postgresql.org/docs/current/explicit-locking.html, table 13.2).
var conflicts = map[Mode][]Mode{
	AccessShare:          {AccessExclusive},
	RowShare:             {Exclusive, AccessExclusive},
	RowExclusive:         {Share, ShareRowExclusive, Exclusive, AccessExclusive},
	ShareUpdateExclusive: {ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive},
	Share:                {RowExclusive, ShareUpdateExclusive, ShareRowExclusive, Exclusive, AccessExclusive},
	ShareRowExclusive:    {RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive},
	Exclusive:            {RowShare, RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive},
	AccessExclusive:      {AccessShare, RowShare, RowExclusive, ShareUpdateExclusive, Share, ShareRowExclusive, Exclusive, AccessExclusive},
}

// ConflictsWith reports whether a lock in mode m and one in mode o cannot be
// held on the same table by two transactions at once.
func (m Mode) ConflictsWith(o Mode) bool {
	for _, c := range conflicts[m] {
		if c == o {
			return true
		}
	}
	return false
}

// Blocked says which kinds of concurrent work a lock mode stops.
type Blocked struct {
	Reads  bool // plain SELECT (ACCESS SHARE)
	Writes bool // INSERT, UPDATE, DELETE (ROW EXCLUSIVE)
	DDL    bool // other schema changes, VACUUM and ANALYZE (SHARE UPDATE EXCLUSIVE)
}

// Blocks derives from the conflict matrix what a lock in mode m stops.
func (m Mode) Blocks() Blocked {
	return Blocked{
		Reads:  m.ConflictsWith(AccessShare),
		Writes: m.ConflictsWith(RowExclusive),
		DDL:    m.ConflictsWith(ShareUpdateExclusive),
	}
}

// BlocksWrites reports whether m stops INSERT, UPDATE and DELETE.
func (m Mode) BlocksWrites() bool { return m.Blocks().Writes }

// Stops names, in a word or two, the work that a lock in mode m makes
// other sessions wait for: "reads and writes", "writes", "schema
// changes", or "" when it stops none of those (only ACCESS EXCLUSIVE
// requests). Reports build their sentences on it.
func (m Mode) Stops() string {
	b := m.Blocks()
	switch {
	case b.Reads:
		return "reads and writes"
	case b.Writes:
		return "writes"
	case b.DDL:
		return "schema changes"
	default:
		return ""
	}
}

// Describe says in words what a lock in mode m blocks, e.g. "blocks reads
// and writes" or "blocks writes".
func (m Mode) Describe() string {
	b := m.Blocks()
	switch {
	case b.Reads || b.Writes:
		return "blocks " + m.Stops()
	case b.DDL:
		return "blocks no reads or writes, only schema changes and VACUUM"
	case m == None:
		return "takes no table lock"
	default:
		return "blocks only ACCESS EXCLUSIVE requests"
	}
}
