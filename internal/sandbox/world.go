package sandbox

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/encimport/encimport/encompass"
)

// BuiltinAdminID is the built-in administrator account, always a super
// administrator. The personas that carry rights (and userIndicators) are
// encompass.PersonaSuperAdministrator, PersonaAdministrator and
// PersonaOrganizationsUser; a world refers to them by name, their ids are
// free.
const BuiltinAdminID = "admin"

// Default world credentials (see docs/product.md).
const (
	DefaultInstanceID   = "BE11111111"
	DefaultClientID     = "sandbox-client"
	DefaultClientSecret = "sandbox-secret"
	DefaultPassword     = "sandbox"
	DefaultConcurrency  = 30
)

// World is everything the sandbox knows; it is the JSON of the --state file.
// Users keep their password server-side in encompass.User.Password; the API
// never returns it.
type World struct {
	InstanceID    string              `json:"instanceId"`
	Clients       []Client            `json:"clients"`
	Organizations Org                 `json:"organizations"`
	Personas      []encompass.Persona `json:"personas"`
	Groups        []Group             `json:"groups,omitempty"`
	LoanFolders   []LoanFolder        `json:"loanFolders,omitempty"` // none: DefaultLoanFolders
	Defaults      encompass.Defaults  `json:"defaults"`
	Users         []encompass.User    `json:"users"`
}

// Client is an OAuth client; client-credentials tokens act as APIUserID.
type Client struct {
	ClientID  string `json:"clientId"`
	Secret    string `json:"secret"`
	APIUserID string `json:"apiUserId"`
}

// Org is a node of the organization tree; ids are decimal strings, the root is "0".
type Org struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Children []Org  `json:"children,omitempty"`
}

// Group is a user group a user may be a member of.
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Clone returns a deep copy of w.
func (w *World) Clone() *World {
	b, err := json.Marshal(w)
	if err != nil {
		panic("sandbox: world does not marshal: " + err.Error())
	}
	var c World
	if err := json.Unmarshal(b, &c); err != nil {
		panic("sandbox: world does not unmarshal: " + err.Error())
	}
	return &c
}

// Default world organization ids.
const (
	OrgAdministration = "0"
	OrgRetail         = "1"
	OrgWestRegion     = "2"
	OrgDenverBranch   = "3"
	OrgPhoenixBranch  = "4"
	OrgEastRegion     = "5"
	OrgBostonBranch   = "6"
	OrgWholesale      = "7"
)

// Default world persona ids.
const (
	PersonaIDSuperAdministrator = "1"
	PersonaIDAdministrator      = "2"
	PersonaIDLoanOfficer        = "3"
	PersonaIDLoanProcessor      = "4"
	PersonaIDUnderwriter        = "5"
	PersonaIDOrganizationsUser  = "6"
)

type seedUser struct {
	id, first, last, org, title string
	personas                    []string
	phone, cell, nmls, nmlsExp  string
	states                      []string
	apiUser, disabled           bool
	client                      string // with apiUser: the oAuthClientId
}

var defaultUsers = []seedUser{
	{id: "admin", first: "Sandbox", last: "Administrator", org: OrgAdministration, title: "System Administrator", personas: []string{PersonaIDSuperAdministrator}},
	{id: "it.admin", first: "Irene", last: "Tate", org: OrgAdministration, title: "IT Director", personas: []string{PersonaIDSuperAdministrator}, phone: "303-555-0101"},
	{id: "ops.analyst", first: "Olivia", last: "Grant", org: OrgAdministration, title: "Operations Analyst", personas: []string{PersonaIDLoanProcessor}},
	{id: "api.partner", first: "Partner", last: "Integration", org: OrgAdministration, title: "API Partner", personas: []string{PersonaIDAdministrator}, apiUser: true, client: "partner-client"},
	{id: "retail.mgr", first: "Monica", last: "Hill", org: OrgRetail, title: "Retail Manager", personas: []string{PersonaIDLoanOfficer}, phone: "303-555-0110"},
	{id: "uw.retail", first: "Victor", last: "Lee", org: OrgRetail, title: "Senior Underwriter", personas: []string{PersonaIDUnderwriter}},
	{id: "westadmin", first: "Wendy", last: "Adams", org: OrgWestRegion, title: "West Region Administrator", personas: []string{PersonaIDAdministrator}, phone: "303-555-0120"},
	{id: "lo.west", first: "Grace", last: "Kim", org: OrgWestRegion, title: "Regional Loan Officer", personas: []string{PersonaIDLoanOfficer}, nmls: "100201", states: []string{"CO", "AZ", "UT"}},
	{id: "lp.west", first: "Sam", last: "Patel", org: OrgWestRegion, title: "Loan Processor", personas: []string{PersonaIDLoanProcessor}},
	{id: "lo.denver", first: "Dana", last: "Lopez", org: OrgDenverBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, phone: "303-555-0130", cell: "720-555-0130", nmls: "100301", nmlsExp: "2027-12-31", states: []string{"CO"}},
	{id: "lo.dmiller", first: "Derek", last: "Miller", org: OrgDenverBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, phone: "303-555-0131 12", nmls: "100302", states: []string{"CO", "WY"}},
	{id: "lo.jchen", first: "Julia", last: "Chen", org: OrgDenverBranch, title: "Senior Loan Officer", personas: []string{PersonaIDLoanOfficer}, nmls: "100303", states: []string{"CO"}},
	{id: "lo.rortiz", first: "Rosa", last: "Ortiz", org: OrgDenverBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, cell: "720-555-0134"},
	{id: "lp.denver", first: "Priya", last: "Shah", org: OrgDenverBranch, title: "Loan Processor", personas: []string{PersonaIDLoanProcessor}, phone: "303-555-0135"},
	{id: "uw.denver", first: "Marcus", last: "Green", org: OrgDenverBranch, title: "Underwriter", personas: []string{PersonaIDUnderwriter}},
	{id: "api.pricing", first: "Pricing", last: "Engine", org: OrgDenverBranch, title: "Pricing Integration", personas: []string{PersonaIDLoanProcessor}, apiUser: true, client: "pricing-client"},
	{id: "lo.former", first: "Frank", last: "Morris", org: OrgDenverBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, disabled: true},
	{id: "lo.phoenix", first: "Paul", last: "Navarro", org: OrgPhoenixBranch, title: "Branch Manager", personas: []string{PersonaIDLoanOfficer}, phone: "602-555-0140", nmls: "100401", states: []string{"AZ"}},
	{id: "lo.kwhite", first: "Kim", last: "White", org: OrgPhoenixBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, nmls: "100402", nmlsExp: "2026-06-30", states: []string{"AZ", "NM"}},
	{id: "lo.tnguyen", first: "Tran", last: "Nguyen", org: OrgPhoenixBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, cell: "480-555-0143"},
	{id: "lp.phoenix", first: "Lena", last: "Brooks", org: OrgPhoenixBranch, title: "Loan Processor", personas: []string{PersonaIDLoanProcessor}},
	{id: "uw.phoenix", first: "Omar", last: "Haddad", org: OrgPhoenixBranch, title: "Underwriter", personas: []string{PersonaIDUnderwriter}},
	{id: "orgadmin.east", first: "Owen", last: "Eastman", org: OrgEastRegion, title: "East Region User Manager", personas: []string{PersonaIDOrganizationsUser}, phone: "617-555-0150"},
	{id: "lo.east", first: "Ethan", last: "Clark", org: OrgEastRegion, title: "Regional Loan Officer", personas: []string{PersonaIDLoanOfficer}, nmls: "100501", states: []string{"MA", "NH", "RI"}},
	{id: "lo.boston", first: "Brian", last: "Walsh", org: OrgBostonBranch, title: "Branch Manager", personas: []string{PersonaIDLoanOfficer}, phone: "617-555-0160", nmls: "100601", states: []string{"MA"}},
	{id: "lo.mobrien", first: "Maura", last: "O'Brien", org: OrgBostonBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, nmls: "100602", states: []string{"MA", "CT"}},
	{id: "lo.spatel", first: "Sanjay", last: "Patel", org: OrgBostonBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer}, cell: "857-555-0163"},
	{id: "lo.jrossi", first: "Joe", last: "Rossi", org: OrgBostonBranch, title: "Loan Officer", personas: []string{PersonaIDLoanOfficer, PersonaIDLoanProcessor}},
	{id: "lp.boston", first: "Carla", last: "Reyes", org: OrgBostonBranch, title: "Loan Processor", personas: []string{PersonaIDLoanProcessor}},
	{id: "uw.boston", first: "Helen", last: "Park", org: OrgBostonBranch, title: "Underwriter", personas: []string{PersonaIDUnderwriter}},
	{id: "ae.wholesale1", first: "Alan", last: "Brooks", org: OrgWholesale, title: "Account Executive", personas: []string{PersonaIDLoanOfficer}, phone: "214-555-0170", nmls: "100701", states: []string{"TX", "OK"}},
	{id: "ae.wholesale2", first: "Beth", last: "Young", org: OrgWholesale, title: "Account Executive", personas: []string{PersonaIDLoanOfficer}, nmls: "100702", states: []string{"TX"}},
	{id: "lp.wholesale", first: "Chris", last: "Dunn", org: OrgWholesale, title: "Loan Processor", personas: []string{PersonaIDLoanProcessor}},
	{id: "uw.wholesale", first: "Nina", last: "Fox", org: OrgWholesale, title: "Underwriter", personas: []string{PersonaIDUnderwriter}},
}

// DefaultWorld returns a fresh copy of the documented default world
// (internal/sandbox/README.md lists its organizations, personas and users).
func DefaultWorld() *World {
	w := &World{
		InstanceID: DefaultInstanceID,
		Clients:    []Client{{ClientID: DefaultClientID, Secret: DefaultClientSecret, APIUserID: BuiltinAdminID}},
		Organizations: Org{ID: OrgAdministration, Name: "Administration", Children: []Org{
			{ID: OrgRetail, Name: "Retail", Children: []Org{
				{ID: OrgWestRegion, Name: "West Region", Children: []Org{
					{ID: OrgDenverBranch, Name: "Denver Branch"},
					{ID: OrgPhoenixBranch, Name: "Phoenix Branch"},
				}},
				{ID: OrgEastRegion, Name: "East Region", Children: []Org{
					{ID: OrgBostonBranch, Name: "Boston Branch"},
				}},
			}},
			{ID: OrgWholesale, Name: "Wholesale"},
		}},
		Personas: []encompass.Persona{
			{ID: PersonaIDSuperAdministrator, Name: encompass.PersonaSuperAdministrator},
			{ID: PersonaIDAdministrator, Name: encompass.PersonaAdministrator},
			{ID: PersonaIDLoanOfficer, Name: "Loan Officer"},
			{ID: PersonaIDLoanProcessor, Name: "Loan Processor"},
			{ID: PersonaIDUnderwriter, Name: "Underwriter"},
			{ID: PersonaIDOrganizationsUser, Name: encompass.PersonaOrganizationsUser},
		},
		Groups:      []Group{{ID: "1", Name: "All Users"}, {ID: "2", Name: "Denver Team"}, {ID: "3", Name: "Underwriting"}},
		LoanFolders: DefaultLoanFolders(),
	}
	for _, s := range defaultUsers {
		first, last := strings.ToLower(s.first), strings.ToLower(strings.ReplaceAll(s.last, "'", ""))
		u := encompass.User{
			ID: s.id, FirstName: s.first, LastName: s.last, Title: s.title,
			Email:         first + "." + last + "@sandbox.example.com",
			Password:      DefaultPassword,
			WorkingFolder: "My Pipeline",
			Organization:  &encompass.EntityRef{EntityID: s.org},
			Phone:         s.phone, CellPhone: s.cell,
			NMLSOriginatorID: s.nmls, NMLSExpirationDate: s.nmlsExp,
			PeerLoanAccess: encompass.LoanAccessDisabled, SubordinateLoanAccess: encompass.LoanAccessReadOnly,
			AccountEnabled: ptr(!s.disabled), LoginEnabled: ptr(true),
		}
		for _, p := range s.personas {
			u.Personas = append(u.Personas, encompass.EntityRef{EntityID: p})
		}
		// Group memberships: the only place a client can learn group names
		// from, since no endpoint lists the groups.
		u.Groups = []encompass.EntityRef{{EntityID: "1"}}
		if s.org == OrgDenverBranch {
			u.Groups = append(u.Groups, encompass.EntityRef{EntityID: "2"})
		}
		if slices.Contains(s.personas, PersonaIDUnderwriter) {
			u.Groups = append(u.Groups, encompass.EntityRef{EntityID: "3"})
		}
		for _, st := range s.states {
			u.Licenses = append(u.Licenses, encompass.License{State: st, Selected: true, License: st + "-" + s.nmls})
		}
		if s.apiUser {
			u.APIUser, u.OAuthClientID = ptr(true), s.client
		}
		w.Users = append(w.Users, u)
	}
	return w
}

func ptr[T any](v T) *T { return &v }

// orgNode is the index entry of one organization.
type orgNode struct {
	id, name, parent string
	children         []string
}

// checkFolders fills the default loan folders when a world names none and
// checks names and types (types are stored in the API's spelling).
func checkFolders(w *World) error {
	if len(w.LoanFolders) == 0 {
		w.LoanFolders = DefaultLoanFolders()
		return nil
	}
	seen := map[string]bool{}
	for i, f := range w.LoanFolders {
		key := strings.ToLower(f.Name)
		if f.Name == "" || seen[key] {
			return fmt.Errorf("loan folder %q: every folder needs a name, and names are unique (ignoring case)", f.Name)
		}
		seen[key] = true
		switch {
		case strings.EqualFold(f.Type, FolderRegular):
			w.LoanFolders[i].Type = FolderRegular
		case strings.EqualFold(f.Type, FolderArchive):
			w.LoanFolders[i].Type = FolderArchive
		case strings.EqualFold(f.Type, FolderTrash):
			w.LoanFolders[i].Type = FolderTrash
		default:
			return fmt.Errorf("loan folder %q: folderType %q; use %s, %s or %s", f.Name, f.Type, FolderRegular, FolderArchive, FolderTrash)
		}
	}
	return nil
}

// indexOrgs builds the org index and checks ids are unique.
func indexOrgs(root Org) (map[string]*orgNode, error) {
	idx := map[string]*orgNode{}
	var walk func(o Org, parent string) error
	walk = func(o Org, parent string) error {
		if o.ID == "" || o.Name == "" {
			return fmt.Errorf("organization %q/%q: id and name are required", o.ID, o.Name)
		}
		if _, dup := idx[o.ID]; dup {
			return fmt.Errorf("organization id %q appears twice", o.ID)
		}
		n := &orgNode{id: o.ID, name: o.Name, parent: parent}
		idx[o.ID] = n
		for _, c := range o.Children {
			n.children = append(n.children, c.ID)
			if err := walk(c, o.ID); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, ""); err != nil {
		return nil, err
	}
	return idx, nil
}
