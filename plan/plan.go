package plan

import (
	"encoding/json"
	"strings"

	"github.com/encimport/encimport/encompass"
)

// Version is the version of the plan's JSON form.
const Version = 1

// Plan is everything apply will do, decided before anything is done. It is
// plain data: printed by plan/--dry-run, serialised by `plan -o`, executed by
// apply. It never holds a password: those live only in Row.Password, which is
// not serialised and is filled again from the input file on `apply --plan`.
type Plan struct {
	Version int     `json:"version"`
	Input   Input   `json:"input"`
	Options Options `json:"options"`
	Caller  string  `json:"caller,omitempty"`
	// Target is the Encompass the plan was made against; apply --plan
	// refuses another. Nil in plans of encimport before it was recorded.
	Target   *Target   `json:"target,omitempty"`
	Rows     []Row     `json:"rows"`            // one per data row, input order
	Moves    []Move    `json:"moves,omitempty"` // bulk-move calls, in execution order
	Reads    ReadStats `json:"reads"`
	Warnings Problems  `json:"warnings,omitempty"` // file-level: unknown columns, ...
	// OrgPaths names every organization the plan refers to: id → path from
	// the root ("Administration/Retail/West Region"), for people to read.
	OrgPaths map[string]string `json:"orgPaths,omitempty"`
	// Sync is what --sync found (nil without it): the rows it added come
	// after the file's (sheet SheetNotInFile), a refused plan must not run.
	Sync *Sync `json:"sync,omitempty"`
}

// Input identifies the file a plan was made from and how it was read.
type Input struct {
	// Path is the file as named on the command line; in a saved plan,
	// relative to the plan file's folder when the file is below it
	// (apply --plan resolves it from there).
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Sheet  string `json:"sheet,omitempty"`
	// AllSheets and IncludeHidden are the reader's options (--all-sheets,
	// --include-hidden): apply --plan reads the file as the plan did.
	AllSheets     bool `json:"allSheets,omitempty"`
	IncludeHidden bool `json:"includeHidden,omitempty"`
}

// Target is the Encompass a plan was made against: the API URL and the
// instance id ("sandbox:…" names an in-process sandbox's world).
type Target struct {
	APIURL     string `json:"apiUrl"`
	InstanceID string `json:"instanceId"`
}

// Key is the target's identity: the API URL without a trailing slash, its
// scheme and host in lower case, and the instance id in upper case. Two
// targets with the same key are the same Encompass instance.
func (t Target) Key() string {
	u := strings.TrimRight(strings.TrimSpace(t.APIURL), "/")
	if scheme, rest, ok := strings.Cut(u, "://"); ok {
		host, path, _ := strings.Cut(rest, "/")
		u = strings.ToLower(scheme) + "://" + strings.ToLower(host)
		if path != "" {
			u += "/" + path
		}
	}
	return u + "\x00" + strings.ToUpper(strings.TrimSpace(t.InstanceID))
}

// String names the target for people: "instance BE11111111 at https://…".
func (t Target) String() string {
	if t.InstanceID == "" {
		return t.APIURL
	}
	return "instance " + t.InstanceID + " at " + t.APIURL
}

// Options are the flags that change what the plan decides.
type Options struct {
	DefaultAction  encompass.Action `json:"defaultAction"`
	MergePersonas  bool             `json:"mergePersonas,omitempty"`
	ExactLicenses  bool             `json:"exactLicenses,omitempty"`
	ResetPasswords bool             `json:"resetPasswords,omitempty"`
	MoveBatchSize  int              `json:"moveBatchSize"`
	// Company defaults configured on the server ("Default Org Id / Persona Id /
	// Working Folder for creating an internal user"): when set, create may
	// leave the matching value empty.
	DefaultOrg           bool `json:"defaultOrg,omitempty"`
	DefaultPersona       bool `json:"defaultPersona,omitempty"`
	DefaultWorkingFolder bool `json:"defaultWorkingFolder,omitempty"`
	// Sync makes the file the source of truth for a scope (--sync): nil
	// without it.
	Sync *SyncOptions `json:"sync,omitempty"`
}

// ReadStats counts the read-only calls made to build the plan.
type ReadStats struct {
	UserPages    int `json:"userPages"`
	OrgCalls     int `json:"orgCalls"`
	PersonaCalls int `json:"personaCalls"`
	OtherCalls   int `json:"otherCalls"` // GET users/me, the loan folders
}

// Total is the number of read calls.
func (r ReadStats) Total() int { return r.UserPages + r.OrgCalls + r.PersonaCalls + r.OtherCalls }

// Row is the plan for one data row.
type Row struct {
	Sheet  string           `json:"sheet"`
	Row    int              `json:"row"`
	ID     string           `json:"id"`
	Action encompass.Action `json:"action"` // requested action, after --action default

	// Status is planned, unchanged or invalid.
	Status Status `json:"status"`
	// Outcome is the report status when every step succeeds: created,
	// updated, moved, disabled or enabled (the most significant step).
	Outcome  Status   `json:"outcome,omitempty"`
	Problems Problems `json:"problems,omitempty"`

	// Steps, executed in this order: Create, else Patch then Move.
	Create *Create  `json:"create,omitempty"`
	Patch  *Patch   `json:"patch,omitempty"`
	Move   *MoveRef `json:"move,omitempty"`

	// NeedsPassword says Create (or Patch with --reset-passwords) must send
	// the row's password cell, which the executor takes from Password.
	NeedsPassword bool   `json:"needsPassword,omitempty"`
	Password      string `json:"-"`

	// NotInFile is set on the rows --sync adds (sheet SheetNotInFile): the
	// user's name and organization.
	NotInFile *NotInFile `json:"notInFile,omitempty"`

	// Person is who the row is about, for people to read (the HTML page,
	// the report's name columns, the plan text); nothing is decided by it.
	// Like Password it is not saved: the planner fills it again from the
	// input and the server, so a plan file holds no more personal data
	// than its steps need. nil when it would only repeat the names of the
	// user the row creates (a plan of 250,000 creates saves 14 MB): read
	// it with Who.
	Person *Person `json:"-"`
}

// Who is the row's Person: the one the planner set, else the names of
// the user the row creates.
func (r *Row) Who() Person {
	switch {
	case r.Person != nil:
		return *r.Person
	case r.Create != nil:
		u := r.Create.User()
		return Person{FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
	}
	return Person{}
}

// Person names a row's user as a reviewer knows it: the row's names and
// email (the server's where the row leaves them empty) and the path of the
// organization the user is in now ("" for a user not yet created).
type Person struct {
	FirstName string
	LastName  string
	Email     string
	OrgPath   string
}

// Name is "First Last", or whichever of the two is known.
func (p Person) Name() string {
	switch {
	case p.FirstName == "":
		return p.LastName
	case p.LastName == "":
		return p.FirstName
	}
	return p.FirstName + " " + p.LastName
}

// Create is a POST /encompass/v3/users?orgId=OrgID. The body is kept
// packed (encompass.Pack: a plan of 250,000 creates holds 100 MB less) and
// built when it is needed: User. It never holds a password; the executor
// adds Row.Password. Its JSON form is {"orgId": ..., "user": {...}}.
type Create struct {
	OrgID string
	body  string
}

// NewCreate makes the create of u in the organization orgID; u's password
// is left out and u is not kept.
func NewCreate(orgID string, u *encompass.User) *Create {
	c := &Create{OrgID: orgID}
	c.SetUser(u)
	return c
}

// User builds the body to send: a new value each time, so the caller may
// change it (add the password) without changing the plan.
func (c *Create) User() encompass.User { return encompass.Unpack(c.body) }

// SetUser replaces the body with u, without its password.
func (c *Create) SetUser(u *encompass.User) {
	v := *u
	v.Password = ""
	c.body = encompass.Pack(&v)
}

type createJSON struct {
	OrgID string         `json:"orgId,omitempty"`
	User  encompass.User `json:"user"`
}

// MarshalJSON writes {"orgId": ..., "user": {...}}.
func (c Create) MarshalJSON() ([]byte, error) {
	return json.Marshal(createJSON{OrgID: c.OrgID, User: c.User()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Create) UnmarshalJSON(b []byte) error {
	var v createJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.OrgID = v.OrgID
	c.SetUser(&v.User)
	return nil
}

// Patch is a PATCH /encompass/v3/users/{id}. Body maps wire names to JSON
// values (null clears); it never holds a password.
type Patch struct {
	Body    map[string]json.RawMessage `json:"body"`
	Changes []Change                   `json:"changes"`
}

// Change is one field's before and after, for people to read (passwords masked).
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// MoveRef places a row's user in one of the plan's bulk-move calls.
type MoveRef struct {
	Call        int    `json:"call"` // index into Plan.Moves
	SourceOrgID string `json:"sourceOrgId"`
	TargetOrgID string `json:"targetOrgId"`
}

// Move is one PATCH /encompass/v3/users?action=move call.
type Move struct {
	SourceOrgID string   `json:"sourceOrgId"`
	TargetOrgID string   `json:"targetOrgId"`
	UserIDs     []string `json:"userIds"`
	Rows        []int    `json:"rows"` // indices into Plan.Rows, parallel to UserIDs
}
