package planner

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// World is the server state a plan is built against, read once per run with
// read-only calls.
type World struct {
	Caller encompass.User // GET users/me
	// Users are the users read, key strings.ToLower(id). A world FetchFor
	// made holds every user slim (SlimUser) and the ones it keeps whole
	// packed apart: read a user whole with User.
	Users       map[string]*encompass.User
	Root        *encompass.Organization // the organization tree, built from the flat list
	Personas    []encompass.Persona
	LoanFolders []encompass.LoanFolder
	Reads       plan.ReadStats

	// whole holds the users kept whole, packed (encompass.Pack): a user
	// with its 57 license entries takes about 8 KB decoded and under 1 KB
	// packed, and a plan of 250,000 rows naming existing users holds one
	// per row.
	whole map[string]string
}

// User returns the user id names (any case), whole when the world kept it
// whole, or nil. A whole user is built anew at each call: the caller may
// keep or change it.
func (w *World) User(id string) *encompass.User {
	k := strings.ToLower(id)
	if s, ok := w.whole[k]; ok {
		u := encompass.Unpack(s)
		return &u
	}
	return w.Users[k]
}

// Reader is the read-only part of the API the planner needs; *apiclient.Client
// satisfies it. FetchFor calls its methods from several goroutines at once.
type Reader interface {
	GetUser(ctx context.Context, id string) (*encompass.User, *apiclient.Response, error)
	ListUsers(ctx context.Context, orgID string, fn func(page []encompass.User) error) (int, error)
	Organizations(ctx context.Context) ([]encompass.Organization, int, error)
	Personas(ctx context.Context) ([]encompass.Persona, *apiclient.Response, error)
	LoanFolders(ctx context.Context) ([]encompass.LoanFolder, *apiclient.Response, error)
}

// Fetch reads the caller (users/me), the users of the caller's organization
// and below (one call per page: a branch administrator may not list the
// whole instance, and may not touch users outside its subtree anyway), the
// organizations (the flat list, made into a tree), the personas and the loan
// folders, and counts the calls in World.Reads. Every user is kept whole
// (World.User).
func Fetch(ctx context.Context, c Reader) (*World, error) {
	return FetchFor(ctx, c, nil)
}

// FetchFor is Fetch keeping whole (packed, for World.User) only the users
// whole(id) names (the users of the file: nil keeps every user whole); of
// every user World.Users keeps what planning needs of a user not in the
// file (SlimUser), so that the world's memory follows the file, not the
// lender.
//
// The caller is read first: the users are listed from its organization.
// Then the organizations, the personas, the loan folders and the users'
// first page are asked together, and the remaining pages together after
// it (apiclient's ListUsers), every call within the client's concurrency
// limit; each page is decoded as it arrives.
func FetchFor(ctx context.Context, c Reader, whole func(id string) bool) (*World, error) {
	w := &World{Users: map[string]*encompass.User{}, whole: map[string]string{}}
	me, _, err := c.GetUser(ctx, "me")
	w.Reads.OtherCalls++
	if err != nil {
		return nil, fmt.Errorf("reading the calling user (users/me): %w", err)
	}
	if me != nil {
		w.Caller = *me
	}
	scope := encompass.RootOrgID
	if o := w.Caller.Organization; o != nil && o.EntityID != "" {
		scope = o.EntityID
	}

	g, gctx := errgroup.WithContext(ctx)
	var (
		pages, orgCalls int
		orgs            []encompass.Organization
		errs            [4]error // in the order the sequential reads reported them
	)
	g.Go(func() error {
		var n int
		n, errs[0] = c.ListUsers(gctx, scope, func(page []encompass.User) error {
			pages++
			for i := range page {
				u := &page[i]
				k := strings.ToLower(u.ID)
				if whole == nil || whole(u.ID) {
					w.whole[k] = encompass.Pack(u)
				}
				s := SlimUser(u)
				w.Users[k] = &s
			}
			return nil
		})
		pages = max(pages, n, 1) // an empty list is still one call
		return errs[0]
	})
	g.Go(func() error {
		orgs, orgCalls, errs[1] = c.Organizations(gctx)
		return errs[1]
	})
	g.Go(func() (err error) {
		w.Personas, _, errs[2] = c.Personas(gctx)
		return errs[2]
	})
	g.Go(func() (err error) {
		w.LoanFolders, _, errs[3] = c.LoanFolders(gctx)
		return errs[3]
	})
	first := g.Wait()
	w.Reads.UserPages = pages
	w.Reads.OrgCalls += max(orgCalls, 1)
	w.Reads.PersonaCalls++
	w.Reads.OtherCalls++
	// The first failure is the one reported; the others were canceled by it.
	for i, err := range errs {
		if err == nil || err != first {
			continue
		}
		switch i {
		case 0:
			return nil, fmt.Errorf("listing users (page %d): %w", pages, err)
		case 1:
			return nil, fmt.Errorf("reading the organizations: %w", err)
		case 2:
			return nil, fmt.Errorf("reading personas: %w", err)
		default:
			return nil, fmt.Errorf("reading loan folders: %w", err)
		}
	}
	if w.Root, err = OrgTree(orgs); err != nil {
		return nil, err
	}
	return w, nil
}

// SlimUser is what planning keeps of every user (World.Users; the file's
// users are also kept whole, for World.User): the id, the
// first and last name (--sync names the users it would disable), the
// organization, the enabled flags and the API-user flag, the personas,
// groups and indicators the access rules, sync and the group names need.
// Its entity lists are shared with u; the rest of u (licenses, contact
// fields, comments) is dropped.
func SlimUser(u *encompass.User) encompass.User {
	s := *u // the decoder's notes on absent lists come along
	s.MiddleName, s.Suffix, s.FullName = "", "", ""
	s.Email, s.Password, s.Title, s.Phone, s.CellPhone, s.Fax = "", "", "", "", "", ""
	s.EmployeeID, s.ChumID, s.NMLSOriginatorID, s.NMLSExpirationDate, s.WorkingFolder = "", "", "", "", ""
	s.Licenses, s.CCSite, s.Comments, s.EmailSignature, s.OAuthClientID = nil, nil, "", "", ""
	s.PeerLoanAccess, s.SubordinateLoanAccess = "", ""
	s.AllowImpersonation, s.IsSSOOnly, s.IsSSODisconnected, s.RequirePasswordChange = nil, nil, nil, nil
	return s
}

// OrgTree links a flat list of organizations into a tree by their parentOrg
// references. The root is the one organization without a parent (or whose
// parent is not in the list); references of type User are not organizations
// and are left out. An organization listed twice, a second root or a cycle
// is an error: a plan must not guess where a branch belongs.
func OrgTree(orgs []encompass.Organization) (*encompass.Organization, error) {
	byID := make(map[string]int, len(orgs))
	list := make([]encompass.Organization, 0, len(orgs))
	for _, o := range orgs {
		if o.IsUser() {
			continue
		}
		if o.ID == "" {
			return nil, fmt.Errorf("the server listed an organization without an id (name %q)", o.Name)
		}
		if _, dup := byID[o.ID]; dup {
			continue // pages may overlap; the first wins
		}
		o.Children = nil
		byID[o.ID] = len(list)
		list = append(list, o)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("the server returned no organizations")
	}
	kids := make(map[string][]string, len(list))
	var roots []string
	for _, o := range list {
		parent := ""
		if o.ParentOrg != nil && o.ParentOrg.EntityID != o.ID {
			parent = o.ParentOrg.EntityID
		}
		if _, ok := byID[parent]; parent == "" || !ok {
			roots = append(roots, o.ID)
			continue
		}
		kids[parent] = append(kids[parent], o.ID)
	}
	if len(roots) != 1 {
		names := make([]string, 0, len(roots))
		for _, id := range roots {
			names = append(names, fmt.Sprintf("%s (id %s)", list[byID[id]].Name, id))
		}
		if len(roots) == 0 {
			return nil, fmt.Errorf("the organizations form a cycle: none is the root")
		}
		return nil, fmt.Errorf("the server listed %d top organizations (%s); expected one root", len(roots), strings.Join(names, ", "))
	}
	seen := 0
	var build func(id string, depth int) (encompass.Organization, error)
	build = func(id string, depth int) (encompass.Organization, error) {
		seen++
		o := list[byID[id]]
		if depth > len(list) {
			return o, fmt.Errorf("the organizations form a cycle at %s (id %s)", o.Name, id)
		}
		for _, k := range kids[id] {
			c, err := build(k, depth+1)
			if err != nil {
				return o, err
			}
			o.Children = append(o.Children, c)
		}
		return o, nil
	}
	root, err := build(roots[0], 0)
	if err != nil {
		return nil, err
	}
	if seen != len(list) {
		return nil, fmt.Errorf("%d organizations are not under the root %s: their parents form a cycle", len(list)-seen, root.Name)
	}
	return &root, nil
}
