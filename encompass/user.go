package encompass

import "strings"

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

// Persona is one entry of the settings personas list. ID decodes from a
// string or a number.
type Persona struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
