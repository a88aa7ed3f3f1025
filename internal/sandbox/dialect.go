package sandbox

// This file holds everything that differs between the sandbox's two wire
// dialects, and the tolerant reading of request bodies both accept:
//   - "vendor" (the default) speaks the shapes the vendor documents
//     (docs/encompass-api.md, "Evidence"): organization ids as JSON numbers,
//     hierarchy children as one level of references, summary users unless
//     entities=all, ccSite as an array, nested errors under "error", 204 for
//     a user page past the end.
//   - "legacy" keeps the shapes the sandbox spoke before issue 10: string ids,
//     nested hierarchy, users always full, ccSite an object, nested errors
//     under "errors", [] past the end.
//
// Answers are encoded through the wire types below, never straight from the
// encompass types, so the sandbox's shapes do not move when the domain's
// decoding or encoding does.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

// The wire dialects (Options.Dialect).
const (
	DialectVendor = "vendor"
	DialectLegacy = "legacy"
)

// Dialects lists every dialect, default first, for tests to loop over.
var Dialects = []string{DialectVendor, DialectLegacy}

// DefaultMaxResponseBytes is the gateway's cap on one response (6 MB).
const DefaultMaxResponseBytes = 6 << 20

// parseDialect checks Options.Dialect; "" means vendor.
func parseDialect(d string) (vendor bool, err error) {
	switch strings.ToLower(d) {
	case "", DialectVendor:
		return true, nil
	case DialectLegacy:
		return false, nil
	}
	return false, fmt.Errorf("sandbox: dialect %q: use %s", d, strings.Join(Dialects, " or "))
}

// --- requests: accepted in both dialects ---------------------------------

// idText turns a JSON number into the JSON string of its digits; anything
// else is returned as is (a later typed decode reports a wrong type).
func idText(m json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(m)
	if len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) && json.Valid(t) {
		q, _ := json.Marshal(string(t))
		return q
	}
	return m
}

// refIDsText rewrites the entityId of one reference object, or of each
// element of an array of them, from a number to a string.
func refIDsText(m json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(m)
	if len(t) == 0 {
		return m
	}
	fix := func(obj map[string]json.RawMessage) {
		if v, ok := obj["entityId"]; ok {
			obj["entityId"] = idText(v)
		}
	}
	switch t[0] {
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(t, &obj) != nil {
			return m
		}
		fix(obj)
		b, _ := json.Marshal(obj)
		return b
	case '[':
		var arr []map[string]json.RawMessage
		if json.Unmarshal(t, &arr) != nil {
			return m
		}
		for _, obj := range arr {
			fix(obj)
		}
		b, _ := json.Marshal(arr)
		return b
	}
	return m
}

// ccSiteObject accepts ccSite as the V1 object or the V3 array (its first
// element; an empty array is null), with siteId a string or a number.
func ccSiteObject(m json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(m)
	if len(t) > 0 && t[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(t, &arr) != nil {
			return m
		}
		if len(arr) == 0 {
			return json.RawMessage("null")
		}
		t = bytes.TrimSpace(arr[0])
	}
	var obj map[string]json.RawMessage
	if len(t) == 0 || t[0] != '{' || json.Unmarshal(t, &obj) != nil {
		return t
	}
	if v, ok := obj["siteId"]; ok {
		obj["siteId"] = idText(v)
	}
	b, _ := json.Marshal(obj)
	return b
}

// acceptUserBody rewrites a user body's fields in place so that ids given as
// numbers read as strings and ccSite reads as an object, whatever dialect.
func acceptUserBody(raw map[string]json.RawMessage) {
	for k, v := range raw {
		switch k {
		case "id":
			raw[k] = idText(v)
		case encompass.FieldPersonas, encompass.FieldGroups, encompass.FieldOrganization:
			raw[k] = refIDsText(v)
		case encompass.FieldCCSite:
			raw[k] = ccSiteObject(v)
		}
	}
}

// --- answers -------------------------------------------------------------

// wireID is an organization id as the dialect sends it: a JSON number in
// vendor (when it is one), a string in legacy.
func (s *Server) wireID(id string) any {
	if id == "" {
		return nil
	}
	if s.vendor {
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			return json.Number(id)
		}
	}
	return id
}

// wireRef is an entity reference on the wire.
type wireRef struct {
	EntityID    any    `json:"entityId"`
	EntityType  string `json:"entityType,omitempty"`
	EntityName  string `json:"entityName,omitempty"`
	EntityURI   string `json:"entityUri,omitempty"`
	ParentOrgID any    `json:"parentOrgId,omitempty"`
	OrgID       any    `json:"orgId,omitempty"`
}

// wireCCSite is a consumer connect site on the wire.
type wireCCSite struct {
	SiteID               string `json:"siteId,omitempty"`
	URL                  string `json:"url,omitempty"`
	UseParentInformation *bool  `json:"useParentInformation,omitempty"`
}

// wireUser is a user on the wire. Personas, groups and licenses are pointers
// so that a summary lacks the keys and a full read always has them (an empty
// list is [], never absent). It never carries a password.
type wireUser struct {
	ID                    string               `json:"id"`
	FirstName             string               `json:"firstName,omitempty"`
	MiddleName            string               `json:"middleName,omitempty"`
	LastName              string               `json:"lastName,omitempty"`
	Suffix                string               `json:"suffix,omitempty"`
	FullName              string               `json:"fullName,omitempty"`
	Email                 string               `json:"email,omitempty"`
	Title                 string               `json:"title,omitempty"`
	Phone                 string               `json:"phone,omitempty"`
	CellPhone             string               `json:"cellPhone,omitempty"`
	Fax                   string               `json:"fax,omitempty"`
	EmployeeID            string               `json:"employeeID,omitempty"`
	ChumID                string               `json:"chumID,omitempty"`
	NMLSOriginatorID      string               `json:"nmlsOriginatorID,omitempty"`
	NMLSExpirationDate    string               `json:"nmlsExpirationDate,omitempty"`
	WorkingFolder         string               `json:"workingFolder,omitempty"`
	Personas              *[]wireRef           `json:"personas,omitempty"`
	Groups                *[]wireRef           `json:"groups,omitempty"`
	Licenses              *[]encompass.License `json:"licenses,omitempty"`
	Organization          *wireRef             `json:"organization,omitempty"`
	APIUser               *bool                `json:"apiUser,omitempty"`
	OAuthClientID         string               `json:"oAuthClientId,omitempty"`
	AllowImpersonation    *bool                `json:"allowImpersonation,omitempty"`
	IsSSOOnly             *bool                `json:"isSsoOnly,omitempty"`
	IsSSODisconnected     *bool                `json:"isSsoDisconnected,omitempty"`
	RequirePasswordChange *bool                `json:"requirePasswordChange,omitempty"`
	PeerLoanAccess        string               `json:"peerLoanAccess,omitempty"`
	SubordinateLoanAccess string               `json:"subordinateLoanAccess,omitempty"`
	AccountEnabled        *bool                `json:"accountEnabled,omitempty"`
	LoginEnabled          *bool                `json:"loginEnabled,omitempty"`
	CCSite                any                  `json:"ccSite,omitempty"`
	Comments              string               `json:"comments,omitempty"`
	EmailSignature        string               `json:"emailSignature,omitempty"`
	UserIndicators        []string             `json:"userIndicators,omitempty"`
}

// entities says which entity lists a user read carries.
type entities struct{ personas, groups, licenses bool }

var allEntities = entities{true, true, true}

// readEntities decides what a user read returns. Legacy: always everything.
// Vendor: a summary unless entities= names them ("all", or any of personas,
// groups, licenses, comma separated, any case); with view= as well only the
// overlap, which has none of them.
func (s *Server) readEntities(q url.Values) entities {
	if !s.vendor {
		return allEntities
	}
	if q.Has("view") {
		return entities{}
	}
	var e entities
	for _, v := range q["entities"] {
		for _, name := range strings.Split(v, ",") {
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "all":
				e = allEntities
			case encompass.FieldPersonas:
				e.personas = true
			case encompass.FieldGroups:
				e.groups = true
			case encompass.FieldLicenses:
				e.licenses = true
			}
		}
	}
	return e
}

// userOut is u as the dialect sends it, with the entity lists asked for.
func (s *Server) userOut(u *encompass.User, with entities) wireUser {
	c := cloneUser(u)
	w := wireUser{
		ID: c.ID, FirstName: c.FirstName, MiddleName: c.MiddleName, LastName: c.LastName, Suffix: c.Suffix,
		FullName: c.FullName, Email: c.Email, Title: c.Title, Phone: c.Phone, CellPhone: c.CellPhone, Fax: c.Fax,
		EmployeeID: c.EmployeeID, ChumID: c.ChumID, NMLSOriginatorID: c.NMLSOriginatorID,
		NMLSExpirationDate: c.NMLSExpirationDate, WorkingFolder: c.WorkingFolder,
		APIUser: c.APIUser, OAuthClientID: c.OAuthClientID, AllowImpersonation: c.AllowImpersonation,
		IsSSOOnly: c.IsSSOOnly, IsSSODisconnected: c.IsSSODisconnected, RequirePasswordChange: c.RequirePasswordChange,
		PeerLoanAccess: c.PeerLoanAccess, SubordinateLoanAccess: c.SubordinateLoanAccess,
		AccountEnabled: c.AccountEnabled, LoginEnabled: c.LoginEnabled,
		Comments: c.Comments, EmailSignature: c.EmailSignature, UserIndicators: c.UserIndicators,
	}
	refs := func(in []encompass.EntityRef) *[]wireRef {
		out := make([]wireRef, 0, len(in))
		for _, r := range in {
			out = append(out, wireRef{EntityID: r.EntityID, EntityType: r.EntityType, EntityName: r.EntityName})
		}
		return &out
	}
	if with.personas {
		w.Personas = refs(c.Personas)
	}
	if with.groups {
		w.Groups = refs(c.Groups)
	}
	if with.licenses {
		ls := append([]encompass.License{}, c.Licenses...)
		if s.vendor {
			for i := range ls {
				ls[i].ExpirationDate = dateTime(ls[i].ExpirationDate)
			}
		}
		w.Licenses = &ls
	}
	if s.vendor {
		// V3 types dates as date-time.
		w.NMLSExpirationDate = dateTime(w.NMLSExpirationDate)
	} else {
		// V1 spelled the loan access enumerations its own way.
		w.PeerLoanAccess = v1PeerAccess[w.PeerLoanAccess]
		w.SubordinateLoanAccess = v1SubordinateAccess[w.SubordinateLoanAccess]
	}
	if o := c.Organization; o != nil {
		w.Organization = &wireRef{EntityID: s.wireID(o.EntityID), EntityType: o.EntityType, EntityName: o.EntityName}
	}
	if cc := c.CCSite; cc != nil {
		site := wireCCSite{SiteID: cc.SiteID, URL: cc.URL, UseParentInformation: cc.UseParentInformation}
		if s.vendor {
			w.CCSite = []wireCCSite{site}
		} else {
			w.CCSite = site
		}
	}
	return w
}

// wireOrg is an organization on the wire. Children are nested wireOrgs
// (legacy) or one level of wireRefs (vendor).
type wireOrg struct {
	ID        any      `json:"id"`
	Name      string   `json:"name"`
	ParentOrg *wireRef `json:"parentOrg,omitempty"`
	Children  any      `json:"children,omitempty"`
}

// orgRef references an organization. Callers hold s.mu.
func (s *Server) orgRef(id string) *wireRef {
	n := s.orgs[id]
	if n == nil {
		return nil
	}
	return &wireRef{EntityID: s.wireID(n.id), EntityType: encompass.EntityTypeOrganization, EntityName: n.name,
		EntityURI: apiclient.PathOrganizations + "/" + n.id}
}

// orgOut is one organization; with hierarchy, its children as the dialect
// shows them: legacy nests the whole subtree, vendor lists one level of
// references, the child organizations then the organization's users.
// Callers hold s.mu.
func (s *Server) orgOut(id string, hierarchy bool) wireOrg {
	n := s.orgs[id]
	o := wireOrg{ID: s.wireID(n.id), Name: n.name}
	if n.parent != "" {
		o.ParentOrg = s.orgRef(n.parent)
	}
	if !hierarchy {
		return o
	}
	if !s.vendor {
		var kids []wireOrg
		for _, c := range n.children {
			kids = append(kids, s.orgOut(c, true))
		}
		if len(kids) > 0 {
			o.Children = kids
		}
		return o
	}
	kids := []wireRef{}
	for _, c := range n.children {
		r := s.orgRef(c)
		r.ParentOrgID, r.OrgID = s.wireID(n.id), s.wireID(c)
		kids = append(kids, *r)
	}
	for _, u := range s.sortedUsers() {
		if u.Organization.EntityID == n.id {
			kids = append(kids, wireRef{EntityID: u.ID, EntityType: "User", EntityName: u.FullName,
				EntityURI: apiclient.PathUsers + "/" + u.ID, ParentOrgID: s.wireID(n.id), OrgID: s.wireID(n.id)})
		}
	}
	if len(kids) > 0 {
		o.Children = kids
	}
	return o
}

// wireError is an application error on the wire; the nested list is named
// "error" in vendor and "errors" in legacy.
type wireError struct {
	Summary   string      `json:"summary,omitempty"`
	Details   string      `json:"details,omitempty"`
	ErrorCode string      `json:"errorCode,omitempty"`
	Errors    []wireError `json:"errors,omitempty"`
	Error     []wireError `json:"error,omitempty"`
}

// fail writes e as the dialect does.
func (s *Server) fail(w http.ResponseWriter, e *apiError) {
	out := wireError{Summary: http.StatusText(e.Status), Details: e.Details, ErrorCode: e.Code}
	var nested []wireError
	for _, n := range e.Errors {
		nested = append(nested, wireError{Summary: n.Summary, Details: n.Details, ErrorCode: n.ErrorCode})
	}
	if s.vendor {
		out.Error = nested
	} else {
		out.Errors = nested
	}
	writeJSON(w, e.Status, out)
}

// writeError writes a new error as the dialect does.
func (s *Server) writeError(w http.ResponseWriter, status int, code, details string) {
	s.fail(w, errf(status, code, details))
}

// gatewaySizeError is the gateway's answer to a response over the cap.
type gatewaySizeError struct {
	Message string `json:"message"`
}

// sizeMessage states the cap as the gateway does ("6 MB").
func sizeMessage(limit int) string {
	mb := strconv.FormatFloat(float64(limit)/(1<<20), 'g', 3, 64)
	return "Response exceeds maximum size (" + mb + " MB)"
}

// writeRead writes a read's answer, or the gateway's 400 when the encoded
// answer is larger than Options.MaxResponseBytes (both dialects).
func (s *Server) writeRead(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, nil)
		return
	}
	if len(b) > s.maxResp {
		writeJSON(w, http.StatusBadRequest, gatewaySizeError{Message: sizeMessage(s.maxResp)})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// dateTime is a yyyy-MM-dd date as the V3 contract's date-time.
func dateTime(d string) string {
	if len(d) != len("2006-01-02") {
		return d
	}
	return d + "T00:00:00Z"
}

// The V1 contract's spellings of the loan access enumerations.
var (
	v1PeerAccess = map[string]string{"": "", encompass.LoanAccessDisabled: "disabled",
		encompass.LoanAccessReadOnly: "viewOnly", encompass.LoanAccessReadWrite: "edit"}
	v1SubordinateAccess = map[string]string{"": "", encompass.LoanAccessReadOnly: "readOnly",
		encompass.LoanAccessReadWrite: "readWrite", encompass.LoanAccessDisabled: "disabled"}
)
