package encompass

// This file holds every Encompass wire name of the user model, so that a
// wrong guess about the vendor's JSON (see docs/encompass-api.md) is a
// one-line fix. The paths and headers of the endpoints are the transport's
// (package apiclient).

// RootOrgID is the id of the root organization.
const RootOrgID = "0"

// Entity types of a reference, in the API's spelling.
const (
	EntityTypePersona      = "Persona"
	EntityTypeOrganization = "Organization"
	EntityTypeGroup        = "UserGroup"
	EntityTypeUser         = "User"
)

// User indicators, computed by Encompass (userIndicators).
const (
	IndicatorSuperAdministrator   = "SuperAdministrator"
	IndicatorAdministrator        = "Administrator"
	IndicatorTopLevelAdministator = "TopLevelAdministrator"
	IndicatorTopLevelUser         = "TopLevelUser"
)

// Loan folder types, in the API's spelling.
const (
	FolderTypeRegular = "Regular"
	FolderTypeArchive = "Archive"
	FolderTypeTrash   = "Trash"
)

// Loan access enumerations, in the API's spelling.
const (
	LoanAccessDisabled  = "Disabled"
	LoanAccessReadOnly  = "ReadOnly"
	LoanAccessReadWrite = "ReadWrite"
)

// Wire names of the User fields. A patch body is a map from these names to
// JSON values (null clears a string); which of them a PATCH may carry is in
// the field table (fields.go) and the sandbox's read-only list.
const (
	FieldFirstName             = "firstName"
	FieldMiddleName            = "middleName"
	FieldLastName              = "lastName"
	FieldSuffix                = "suffix"
	FieldEmail                 = "email"
	FieldPassword              = "password"
	FieldTitle                 = "title"
	FieldPhone                 = "phone"
	FieldCellPhone             = "cellPhone"
	FieldFax                   = "fax"
	FieldEmployeeID            = "employeeID"
	FieldChumID                = "chumID"
	FieldNMLSOriginatorID      = "nmlsOriginatorID"
	FieldNMLSExpirationDate    = "nmlsExpirationDate"
	FieldWorkingFolder         = "workingFolder"
	FieldPersonas              = "personas"
	FieldGroups                = "groups"
	FieldLicenses              = "licenses"
	FieldOrganization          = "organization"
	FieldAPIUser               = "apiUser"
	FieldOAuthClientID         = "oAuthClientId"
	FieldAllowImpersonation    = "allowImpersonation"
	FieldIsSSOOnly             = "isSsoOnly"
	FieldIsSSODisconnected     = "isSsoDisconnected"
	FieldRequirePasswordChange = "requirePasswordChange"
	FieldPeerLoanAccess        = "peerLoanAccess"
	FieldSubordinateLoanAccess = "subordinateLoanAccess"
	FieldAccountEnabled        = "accountEnabled"
	FieldLoginEnabled          = "loginEnabled"
	FieldCCSite                = "ccSite"
	FieldComments              = "comments"
	FieldEmailSignature        = "emailSignature"
	FieldCompensationPlans     = "compensationPlans"
)
