package planner

import (
	"context"
	"fmt"
	"strings"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/plan"
)

// World is the server state a plan is built against, read once per run with
// read-only calls.
type World struct {
	Caller      encompass.User             // GET users/me
	Users       map[string]*encompass.User // key: strings.ToLower(id)
	Root        *encompass.Organization    // the organization tree, built from the flat list
	Personas    []encompass.Persona
	LoanFolders []encompass.LoanFolder
	Reads       plan.ReadStats
}

// Reader is the read-only part of the API the planner needs; *apiclient.Client
// satisfies it.
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
// folders, and counts the calls in World.Reads.
func Fetch(ctx context.Context, c Reader) (*World, error) {
	w := &World{Users: map[string]*encompass.User{}}
	me, _, err := c.GetUser(ctx, "me")
	w.Reads.OtherCalls++
	if err != nil {
		return nil, fmt.Errorf("reading the calling user (users/me): %w", err)
	}
	if me != nil {
		w.Caller = *me
	}
	pages := 0
	scope := encompass.RootOrgID
	if o := w.Caller.Organization; o != nil && o.EntityID != "" {
		scope = o.EntityID
	}
	n, err := c.ListUsers(ctx, scope, func(page []encompass.User) error {
		pages++
		for i := range page {
			u := page[i]
			w.Users[strings.ToLower(u.ID)] = &u
		}
		return nil
	})
	pages = max(pages, n, 1) // an empty list is still one call
	w.Reads.UserPages = pages
	if err != nil {
		return nil, fmt.Errorf("listing users (page %d): %w", pages, err)
	}
	orgs, calls, err := c.Organizations(ctx)
	w.Reads.OrgCalls += max(calls, 1)
	if err != nil {
		return nil, fmt.Errorf("reading the organizations: %w", err)
	}
	if w.Root, err = OrgTree(orgs); err != nil {
		return nil, err
	}
	ps, _, err := c.Personas(ctx)
	w.Reads.PersonaCalls++
	if err != nil {
		return nil, fmt.Errorf("reading personas: %w", err)
	}
	w.Personas = ps
	folders, _, err := c.LoanFolders(ctx)
	w.Reads.OtherCalls++
	if err != nil {
		return nil, fmt.Errorf("reading loan folders: %w", err)
	}
	w.LoanFolders = folders
	return w, nil
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
