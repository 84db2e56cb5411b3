package locks

// AlterTableModes exposes alterTableModes to the tests of package
// locks_test, which check every entry on PostgreSQL.
var AlterTableModes = alterTableModes
