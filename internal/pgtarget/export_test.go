package pgtarget

// Misdirected returns the target of database db that expects to reach
// the throwaway database expect, as a connection string that reached
// another database than its own would.
func Misdirected(t *Target, db, expect string) *Target {
	c := t.config.Copy()
	c.Database = db
	return &Target{config: c, throwaway: expect, settings: t.settings}
}
