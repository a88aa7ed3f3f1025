package apiclient

import "strings"

// This file holds every Encompass wire name the importer uses, so that a wrong
// guess about the vendor's JSON (see docs/encompass-api.md) is a one-line fix.

// Paths of the endpoints the importer calls.
const (
	PathToken           = "/oauth2/v1/token"
	PathTokenIntrospect = "/oauth2/v1/token/introspection"
	PathTokenRevoke     = "/oauth2/v1/token/revocation"
	PathUsers           = "/encompass/v3/users"
	PathOrganizations   = "/encompass/v1/organizations"
	PathPersonas        = "/encompass/v1/settings/personas"
	PathLoanFolders     = "/encompass/v3/loanFolders"
	PathLoanFoldersV1   = "/encompass/v1/loanFolders"
)

// TokenScope is the OAuth2 scope sent with both grants.
const TokenScope = "lp"

// Response headers that carry limits and tracing.
const (
	HeaderCorrelationID           = "X-Correlation-ID"
	HeaderConcurrencyLimit        = "X-Concurrency-Limit-Limit"
	HeaderConcurrencyRemaining    = "X-Concurrency-Limit-Remaining"
	HeaderRateLimit               = "X-Rate-Limit-Limit"
	HeaderRateRemaining           = "X-Rate-Limit-Remaining"
	HeaderRateReset               = "X-Rate-Limit-Reset"
	HeaderRetryAfter              = "Retry-After"
	HeaderTotalCount              = "X-Total-Count"
	MoveAction                    = "move"
	GatewayConcurrencyErrorCode   = "100002"
	RootOrgID                     = "0"
	EntityTypePersona             = "Persona"
	EntityTypeOrganization        = "Organization"
	EntityTypeGroup               = "UserGroup"
	EntityTypeUser                = "User"
	IndicatorSuperAdministrator   = "SuperAdministrator"
	IndicatorAdministrator        = "Administrator"
	IndicatorTopLevelAdministator = "TopLevelAdministrator"
	IndicatorTopLevelUser         = "TopLevelUser"
)

// Page sizes. DefaultListPageSize keeps a page of users (~8 KB each with 57
// licenses) near 2 MB, well under the gateway's 6 MB response cap.
const (
	DefaultListPageSize = 250
	OrgListPageSize     = 1000 // the flat organization list's documented default
)

// ResponseTooLargeMessage starts the gateway's 400 message for a response
// over its size cap: {"message":"Response exceeds maximum size (6 MB)"}.
const ResponseTooLargeMessage = "Response exceeds maximum size"

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

// EntityRef references a persona, group or organization. EntityID decodes
// from a JSON string, number or null (see decode.go).
type EntityRef struct {
	EntityID   string `json:"entityId"`
	EntityType string `json:"entityType,omitempty"`
	EntityName string `json:"entityName,omitempty"`
}

// License is one entry of a user's fixed list of state licenses.
type License struct {
	State          string `json:"state"`
	Selected       bool   `json:"selected"`
	License        string `json:"license,omitempty"`
	ExpirationDate string `json:"expirationDate,omitempty"`
}

// CCSite is a user's consumer connect site. It decodes from an object (V1)
// or an array of objects (V3, first element) and is encoded as the V3 array
// (see decode.go).
type CCSite struct {
	SiteID               string `json:"siteId,omitempty"`
	URL                  string `json:"url,omitempty"`
	UseParentInformation *bool  `json:"useParentInformation,omitempty"`
}

// User is the V3 internal user contract. Pointers distinguish "not sent" from
// a zero value; on create, nil fields are omitted. Decoding is tolerant (see
// decode.go): ids from strings or numbers, loan access in the API's spelling,
// dates without their time part, and Missing reports the entity lists a
// summary read left out.
type User struct {
	ID                    string      `json:"id"`
	FirstName             string      `json:"firstName,omitempty"`
	MiddleName            string      `json:"middleName,omitempty"`
	LastName              string      `json:"lastName,omitempty"`
	Suffix                string      `json:"suffix,omitempty"`
	FullName              string      `json:"fullName,omitempty"`
	Email                 string      `json:"email,omitempty"`
	Password              string      `json:"password,omitempty"`
	Title                 string      `json:"title,omitempty"`
	Phone                 string      `json:"phone,omitempty"`
	CellPhone             string      `json:"cellPhone,omitempty"`
	Fax                   string      `json:"fax,omitempty"`
	EmployeeID            string      `json:"employeeID,omitempty"`
	ChumID                string      `json:"chumID,omitempty"`
	NMLSOriginatorID      string      `json:"nmlsOriginatorID,omitempty"`
	NMLSExpirationDate    string      `json:"nmlsExpirationDate,omitempty"`
	WorkingFolder         string      `json:"workingFolder,omitempty"`
	Personas              []EntityRef `json:"personas,omitempty"`
	Groups                []EntityRef `json:"groups,omitempty"`
	Licenses              []License   `json:"licenses,omitempty"`
	Organization          *EntityRef  `json:"organization,omitempty"`
	APIUser               *bool       `json:"apiUser,omitempty"`
	OAuthClientID         string      `json:"oAuthClientId,omitempty"`
	AllowImpersonation    *bool       `json:"allowImpersonation,omitempty"`
	IsSSOOnly             *bool       `json:"isSsoOnly,omitempty"`
	IsSSODisconnected     *bool       `json:"isSsoDisconnected,omitempty"`
	RequirePasswordChange *bool       `json:"requirePasswordChange,omitempty"`
	PeerLoanAccess        string      `json:"peerLoanAccess,omitempty"`
	SubordinateLoanAccess string      `json:"subordinateLoanAccess,omitempty"`
	AccountEnabled        *bool       `json:"accountEnabled,omitempty"`
	LoginEnabled          *bool       `json:"loginEnabled,omitempty"`
	CCSite                *CCSite     `json:"ccSite,omitempty"`
	Comments              string      `json:"comments,omitempty"`
	EmailSignature        string      `json:"emailSignature,omitempty"`
	UserIndicators        []string    `json:"userIndicators,omitempty"`

	missing uint8 // entity lists absent from the decoded JSON (missingPersonas...)
}

// Wire names of the User fields a PATCH body may carry. A patch body is a
// map from these names to JSON values (null clears a string).
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

// MoveItem is one element of a bulk-move body: only the id may be sent.
type MoveItem struct {
	ID string `json:"id"`
}

// Organization is a node of the organization tree (V1 contract). Children
// decode from nested objects {id, name, children} and from the vendor's
// references {entityId, entityType, entityName, entityUri, parentOrgId,
// orgId}; a reference sets EntityType (Organization or User) and, when it
// names a parent, ParentOrg.
type Organization struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	EntityType string         `json:"-"`
	ParentOrg  *EntityRef     `json:"parentOrg,omitempty"`
	Children   []Organization `json:"children,omitempty"`
}

// IsUser reports whether o is a reference to a user (a hierarchy child of
// entityType User), not an organization.
func (o Organization) IsUser() bool { return strings.EqualFold(o.EntityType, EntityTypeUser) }

// LoanFolder is one loan folder: V3 {folderName, displayName, folderType,
// ...} or V1 {name, folderType, ...}. FolderType is FolderTypeRegular,
// FolderTypeArchive or FolderTypeTrash when the server sent one of those in
// any case, else what it sent.
type LoanFolder struct {
	Name        string `json:"folderName"`
	DisplayName string `json:"displayName,omitempty"`
	FolderType  string `json:"folderType,omitempty"`
}

// TokenInfo is the token introspection answer. Exp (Unix seconds) decodes
// from a number or a string.
type TokenInfo struct {
	Active       bool   `json:"active"`
	Exp          int64  `json:"exp,omitempty"`
	InstanceID   string `json:"encompass_instance_id,omitempty"`
	UserName     string `json:"user_name,omitempty"`
	IdentityType string `json:"identity_type,omitempty"`
	ClientID     string `json:"encompass_client_id,omitempty"`
}

// Persona is one entry of the settings personas list. ID decodes from a
// string or a number.
type Persona struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TokenResponse is the OAuth2 token endpoint's answer.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
}

// ErrorBody is the Encompass application error body. The nested list
// decodes from "errors" or "error" (the vendor's bindings).
type ErrorBody struct {
	Summary   string      `json:"summary,omitempty"`
	Details   string      `json:"details,omitempty"`
	ErrorCode string      `json:"errorCode,omitempty"`
	Errors    []ErrorBody `json:"errors,omitempty"`
}

// GatewayErrorBody is the API gateway's body for 429 (concurrency or quota).
type GatewayErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
