// Package encompass is the domain of the importer: the ICE Encompass user
// model as the V3 internal-users API sends and takes it, and the rules the
// server enforces on it. It does no I/O and imports neither net/http nor the
// OAuth stack, so the spreadsheet reader (package importer), the planner, the
// sandbox and the HTTP client (package apiclient) all share it.
//
// Map of the package:
//
//   - user.go: the domain types, [User], [EntityRef], [License], [CCSite],
//     [Organization], [Persona] and [LoanFolder].
//   - names.go: every wire name of the user model: the JSON field names
//     (FieldFirstName...), entity types, user indicators, loan access values,
//     loan folder types and [RootOrgID], so that a wrong guess about the
//     vendor's JSON (docs/encompass-api.md) is a one-line fix.
//   - decode.go: the one place that tolerates the vendor's variants of the
//     user model (ids as strings, numbers or null; ccSite as an object or an
//     array; loan access in any casing; dates with a time part; hierarchy
//     references), each type decoded in one pass through a shadowing alias
//     struct; [UserPage] for a whole page; [User.Missing].
//   - fields.go: the one table of the user's changeable scalar fields
//     ([UserField]: wire name, kind, accessors, whether it is required,
//     clearable by null, allowed in a PATCH, its default), read by the
//     planner (which maps spreadsheet columns onto it) and the sandbox.
//   - rules.go: the documented field rules ([CheckUser] and its parts,
//     [Violation] and the EBS error codes, [Defaults]).
//   - action.go: the row actions, one list ([Action], [Actions],
//     [ParseAction]) for the reader, the planner and the CLI.
//   - rights.go: the access rights, one rule for the planner and the
//     sandbox: [CanManageUsers], [IsSuperAdministrator], the personas that
//     carry rights, [HasIndicator] and [HeldPersona].
//   - pack.go: [Pack] and [Unpack], a [User] as one compact string, for
//     the many users a large plan holds (create bodies, the server's
//     users of the file's rows); never a wire or file format.
package encompass
