package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// All returns every rule, ordered by code. The returned rules are fresh
// values, so callers may change their severities.
func All() []*Rule {
	list := []*Rule{
		SyntaxError(),
		InvalidSuppression(),
		UnusedSuppression(),
		MigrationToolGuessed(),
		MigrationToolRefuses(),
		RequireConcurrentIndex(),
		IndexOnPartitionedTable(),
		RequireConcurrentDropIndex(),
		RequireConcurrentReindex(),
		IndexDropAndRecreate(),
		AddUniqueConstraint(),
		AddPrimaryKey(),
		AddExclusionConstraint(),
		AddForeignKeyValidated(),
		ForeignKeyWithoutIndex(),
		AddCheckConstraintValidated(),
		SetNotNull(),
		AddColumnNotNullWithoutDefault(),
		ValidateInSameTransaction(),
		ConcurrentlyInTransaction(),
		MissingLockTimeout(),
		MultipleAccessExclusiveInTransaction(),
		PreferCreateOrReplaceTrigger(),
		AttachPartitionScan(),
		RequireConcurrentDetachPartition(),
		EnumAddValueInTransaction(),
		EnumRenameValue(),
		AlterDomainConstraint(),
		AlterSequenceInTransaction(),
		RequireStatementTimeout(),
		SelectStarInView(),
		SelectStarInFunction(),
		SelectStarInQuery(),
		InsertWithoutColumnList(),
		ContractBeforeExpand(),
		ContractPending(),
		BreaksDependentObject(),
		BreaksApplicationQuery(),
		BanDropNotNull(),
		PreferRobustStmts(),
		PreferBigintOverInt(),
		PreferIdentity(),
		PreferTextField(),
		PreferTimestamptz(),
		IdentifierTooLong(),
		AddColumnVolatileDefault(),
		AddSerialOrIdentityColumn(),
		AddStoredGeneratedColumn(),
		PreferJsonb(),
		ColumnTypeChange(),
		RenameColumn(),
		RenameTable(),
		DropColumn(),
		DropTable(),
		Truncate(),
		VacuumFullOrCluster(),
		RefreshMaterializedView(),
		SetLoggedOrUnlogged(),
		SetTablespace(),
		WholeTableUpdateOrDelete(),
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
	return list
}

// Lookup returns the rule whose code or name is key, nil when none.
func Lookup(all []*Rule, key string) *Rule {
	for _, r := range all {
		if r.Code == key || r.Name == key {
			return r
		}
	}
	return nil
}

var (
	reCode = regexp.MustCompile(`^PS\d{3}$`)
	reName = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
)

// Validate checks that rules have well-formed, unique codes and names, a
// declared fix availability, and complete documentation.
func Validate(all []*Rule) error {
	seen := map[string]bool{}
	for _, r := range all {
		switch {
		case !reCode.MatchString(r.Code):
			return fmt.Errorf("%s: code is not of the form PS000", r)
		case !reName.MatchString(r.Name):
			return fmt.Errorf("%s: name is not kebab-case", r)
		case seen[r.Code] || seen[r.Name]:
			return fmt.Errorf("%s: code or name used twice", r)
		case r.Severity < Hint || r.Severity > Error:
			return fmt.Errorf("%s: no default severity", r)
		case r.Doc.Summary == "" || r.Doc.Why == "" || r.Doc.Help == "" || r.Doc.FixSafety == "":
			return fmt.Errorf("%s: documentation lacks a summary, why, help or fix safety", r)
		case !r.FixAvailability.Valid():
			return fmt.Errorf("%s: fix availability %q is not none, display-only, sometimes or always", r, r.FixAvailability)
		case r.Check == nil && r.FixAvailability != FixNone:
			return fmt.Errorf("%s: the lint driver's findings carry no fix, so its fix availability must be none", r)
		case !fixSafetyAgrees(r):
			return fmt.Errorf("%s: the fix safety text contradicts fix availability %s (none starts \"No fix\", display-only \"Display-only\", and only they do)", r, r.FixAvailability)
		case r.Check != nil && (r.Doc.Bad == "" || r.Doc.Good == ""):
			return fmt.Errorf("%s: documentation lacks a bad or good example", r)
		}
		seen[r.Code], seen[r.Name] = true, true
	}
	return nil
}

// fixSafetyAgrees reports whether a rule's fix safety text opens the way
// its fix availability says: "No fix" for none, "Display-only" for
// display-only, and neither for a fix that pgsafe fix applies.
func fixSafetyAgrees(r *Rule) bool {
	none := strings.HasPrefix(r.Doc.FixSafety, "No fix")
	display := strings.HasPrefix(r.Doc.FixSafety, "Display-only")
	switch r.FixAvailability {
	case FixNone:
		return none
	case FixDisplayOnly:
		return display
	default:
		return !none && !display
	}
}
