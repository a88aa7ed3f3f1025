package planner

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/encimport/encimport/apiclient"
)

// World is the server state a plan is built against, read once per run with
// read-only calls.
type World struct {
	Caller   apiclient.User             // GET users/me
	Users    map[string]*apiclient.User // key: strings.ToLower(id)
	Root     *apiclient.Organization    // the organization tree
	Personas []apiclient.Persona
	Reads    ReadStats
}

// Reader is the read-only part of the API the planner needs; *apiclient.Client
// satisfies it.
type Reader interface {
	GetUser(ctx context.Context, id string) (*apiclient.User, *apiclient.Response, error)
	ListUsers(ctx context.Context, fn func(page []apiclient.User) error) (int, error)
	Organizations(ctx context.Context) (*apiclient.Organization, *apiclient.Response, error)
	Personas(ctx context.Context) ([]apiclient.Persona, *apiclient.Response, error)
}

// Fetch reads the caller (users/me), every user (one call per page), the
// organization tree and the personas, and counts the calls in World.Reads.
func Fetch(ctx context.Context, c Reader) (*World, error) {
	w := &World{Users: map[string]*apiclient.User{}}
	me, _, err := c.GetUser(ctx, "me")
	w.Reads.OtherCalls++
	if err != nil {
		return nil, fmt.Errorf("planner: reading the calling user (users/me): %w", err)
	}
	if me != nil {
		w.Caller = *me
	}
	pages := 0
	n, err := c.ListUsers(ctx, func(page []apiclient.User) error {
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
		return nil, fmt.Errorf("planner: listing users (page %d): %w", pages, err)
	}
	root, _, err := c.Organizations(ctx)
	w.Reads.OrgCalls++
	if err != nil {
		return nil, fmt.Errorf("planner: reading the organization tree: %w", err)
	}
	if root == nil {
		return nil, fmt.Errorf("planner: the server returned no organization tree")
	}
	w.Root = root
	ps, _, err := c.Personas(ctx)
	w.Reads.PersonaCalls++
	if err != nil {
		return nil, fmt.Errorf("planner: reading personas: %w", err)
	}
	w.Personas = ps
	return w, nil
}

// orgNode is an organization with its place in the tree.
type orgNode struct {
	org    *apiclient.Organization
	parent *orgNode
	path   string // names from the root, joined by "/"
}

// orgIndex resolves organization cells.
type orgIndex struct {
	root   *orgNode
	byID   map[string]*orgNode
	byPath map[string]*orgNode   // lower-case path, with and without the root's name
	byName map[string][]*orgNode // lower-case name
	all    []*orgNode            // depth-first, tree order
}

func newOrgIndex(root *apiclient.Organization) *orgIndex {
	ix := &orgIndex{byID: map[string]*orgNode{}, byPath: map[string]*orgNode{}, byName: map[string][]*orgNode{}}
	if root == nil {
		return ix
	}
	var walk func(o *apiclient.Organization, parent *orgNode)
	walk = func(o *apiclient.Organization, parent *orgNode) {
		n := &orgNode{org: o, parent: parent, path: o.Name}
		if parent != nil {
			n.path = parent.path + "/" + o.Name
			rel := strings.TrimPrefix(n.path, ix.root.path+"/")
			if _, taken := ix.byPath[strings.ToLower(rel)]; !taken {
				ix.byPath[strings.ToLower(rel)] = n
			}
		} else {
			ix.root = n
		}
		ix.byPath[strings.ToLower(n.path)] = n
		ix.byID[o.ID] = n
		ix.byName[strings.ToLower(o.Name)] = append(ix.byName[strings.ToLower(o.Name)], n)
		ix.all = append(ix.all, n)
		for i := range o.Children {
			walk(&o.Children[i], n)
		}
	}
	walk(root, nil)
	return ix
}

// label is how plans and messages name an organization: its path and id.
func (n *orgNode) label() string { return fmt.Sprintf("%s (id %s)", n.path, n.org.ID) }

// within reports whether n is anc or below it.
func (n *orgNode) within(anc *orgNode) bool {
	for x := n; x != nil; x = x.parent {
		if x == anc {
			return true
		}
	}
	return false
}

// resolve finds the organization a cell names: an id, a path (with or
// without the root's name) or a unique name, ignoring case.
func (ix *orgIndex) resolve(cell string) (*orgNode, string) {
	s := strings.TrimSpace(cell)
	if n, ok := ix.byID[s]; ok {
		return n, ""
	}
	if strings.Contains(s, "/") {
		parts := strings.Split(strings.Trim(s, "/"), "/")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if n, ok := ix.byPath[strings.ToLower(strings.Join(parts, "/"))]; ok {
			return n, ""
		}
		return nil, fmt.Sprintf("no organization has the path %q; %s", s, ix.suggest(parts[len(parts)-1]))
	}
	switch ns := ix.byName[strings.ToLower(s)]; len(ns) {
	case 0:
		if isDigits(s) {
			return nil, fmt.Sprintf("no organization has the id %s; %s", s, ix.suggest(s))
		}
		return nil, fmt.Sprintf("no organization is named %q; %s", s, ix.suggest(s))
	case 1:
		return ns[0], ""
	default:
		labels := make([]string, len(ns))
		for i, n := range ns {
			labels[i] = n.label()
		}
		return nil, fmt.Sprintf("%d organizations are named %q: %s; write the path or the id instead", len(ns), s, strings.Join(labels, ", "))
	}
}

// maxListed is how many candidates a message lists at most.
const maxListed = 5

// suggest lists all organizations when there are few, else the closest names.
func (ix *orgIndex) suggest(s string) string {
	if len(ix.all) <= 2*maxListed {
		labels := make([]string, len(ix.all))
		for i, n := range ix.all {
			labels[i] = n.label()
		}
		return "the organizations are: " + strings.Join(labels, ", ")
	}
	type scored struct {
		n    *orgNode
		dist int
	}
	low := strings.ToLower(s)
	ns := make([]scored, len(ix.all))
	for i, n := range ix.all {
		ns[i] = scored{n, editDistance(low, strings.ToLower(n.org.Name))}
	}
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].dist < ns[j].dist })
	labels := make([]string, 0, maxListed)
	for _, x := range ns[:maxListed] {
		labels = append(labels, x.n.label())
	}
	return "the closest are: " + strings.Join(labels, ", ")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// personaIndex resolves persona cells by id or name (ignoring case).
type personaIndex struct {
	byID   map[string]apiclient.Persona
	byName map[string]apiclient.Persona
	names  []string
}

func newPersonaIndex(ps []apiclient.Persona) *personaIndex {
	ix := &personaIndex{byID: map[string]apiclient.Persona{}, byName: map[string]apiclient.Persona{}}
	for _, p := range ps {
		ix.byID[p.ID] = p
		ix.byName[strings.ToLower(p.Name)] = p
		ix.names = append(ix.names, p.Name)
	}
	return ix
}

func (ix *personaIndex) find(s string) (apiclient.Persona, bool) {
	if p, ok := ix.byID[s]; ok {
		return p, true
	}
	p, ok := ix.byName[strings.ToLower(strings.TrimSpace(s))]
	return p, ok
}

// name returns a persona reference's name, from the server's list when the
// reference has none.
func (ix *personaIndex) name(r apiclient.EntityRef) string {
	if r.EntityName != "" {
		return r.EntityName
	}
	if p, ok := ix.byID[r.EntityID]; ok {
		return p.Name
	}
	return r.EntityID
}
