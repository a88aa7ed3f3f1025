package planner

import (
	"cmp"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
)

// orgNode is an organization with its place in the tree.
type orgNode struct {
	org    *encompass.Organization
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

func newOrgIndex(root *encompass.Organization) *orgIndex {
	ix := &orgIndex{byID: map[string]*orgNode{}, byPath: map[string]*orgNode{}, byName: map[string][]*orgNode{}}
	if root == nil {
		return ix
	}
	var walk func(o *encompass.Organization, parent *orgNode)
	walk = func(o *encompass.Organization, parent *orgNode) {
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
// without the root's name, or a tail of it that only one organization
// ends with; '/' or '>' between the names) or a unique name, ignoring
// case. Several organizations matching is a problem listing them.
func (ix *orgIndex) resolve(cell string) (*orgNode, string) {
	s := strings.TrimSpace(cell)
	if n, ok := ix.byID[s]; ok {
		return n, ""
	}
	if strings.ContainsAny(s, "/>") {
		parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '>' })
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		if len(parts) == 0 {
			return nil, fmt.Sprintf("no organization has the path %q; %s", importer.Clip(s), ix.suggest(s))
		}
		if n, ok := ix.byPath[strings.ToLower(strings.Join(parts, "/"))]; ok {
			return n, ""
		}
		// A tail of a path: the organizations named like its last part
		// whose parents are named like the parts before it.
		var tails []*orgNode
		for _, n := range ix.byName[strings.ToLower(parts[len(parts)-1])] {
			if n.endsWith(parts) {
				tails = append(tails, n)
			}
		}
		switch len(tails) {
		case 0:
			return nil, fmt.Sprintf("no organization has the path %q; %s", importer.Clip(s), ix.suggest(parts[len(parts)-1]))
		case 1:
			return tails[0], ""
		}
		return nil, fmt.Sprintf("%d organizations have a path ending in %q: %s; write more of the path, or the id", len(tails), importer.Clip(strings.Join(parts, "/")), labels(tails))
	}
	switch ns := ix.byName[strings.ToLower(s)]; len(ns) {
	case 0:
		if isDigits(s) {
			return nil, fmt.Sprintf("no organization has the id %s; %s", importer.Clip(s), ix.suggest(s))
		}
		return nil, fmt.Sprintf("no organization is named %q; %s", importer.Clip(s), ix.suggest(s))
	case 1:
		return ns[0], ""
	default:
		return nil, fmt.Sprintf("%d organizations are named %q: %s; write the path or the id instead", len(ns), importer.Clip(s), labels(ns))
	}
}

// endsWith reports whether the names of n and its parents, read upwards,
// are the last of parts, the one before it, and so on (ignoring case).
func (n *orgNode) endsWith(parts []string) bool {
	x := n
	for i := len(parts) - 1; i >= 0; i-- {
		if x == nil || !strings.EqualFold(x.org.Name, parts[i]) {
			return false
		}
		x = x.parent
	}
	return true
}

// labels lists organizations for a message (at most maxListed).
func labels(ns []*orgNode) string {
	ls := make([]string, 0, min(len(ns), maxListed))
	for i, n := range ns {
		if i == maxListed {
			ls = append(ls, fmt.Sprintf("… (%d in all)", len(ns)))
			break
		}
		ls = append(ls, n.label())
	}
	return strings.Join(ls, ", ")
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
	byID   map[string]encompass.Persona
	byName map[string]encompass.Persona
	names  []string
}

func newPersonaIndex(ps []encompass.Persona) *personaIndex {
	ix := &personaIndex{byID: map[string]encompass.Persona{}, byName: map[string]encompass.Persona{}}
	for _, p := range ps {
		ix.byID[p.ID] = p
		ix.byName[strings.ToLower(p.Name)] = p
		ix.names = append(ix.names, p.Name)
	}
	return ix
}

func (ix *personaIndex) find(s string) (encompass.Persona, bool) {
	if p, ok := ix.byID[s]; ok {
		return p, true
	}
	p, ok := ix.byName[strings.ToLower(strings.TrimSpace(s))]
	return p, ok
}

// name returns a persona reference's name, from the server's list when the
// reference has none.
func (ix *personaIndex) name(r encompass.EntityRef) string {
	if r.EntityName != "" {
		return r.EntityName
	}
	if p, ok := ix.byID[r.EntityID]; ok {
		return p.Name
	}
	return r.EntityID
}

// folderIndex resolves workingFolder cells against the server's loan folders:
// only Regular and Archive folders can be a user's working folder.
type folderIndex struct {
	known  bool              // the server listed its folders
	byName map[string]string // lower-case name → the server's spelling
	names  []string          // the usable folders, in the server's order
}

func newFolderIndex(fs []encompass.LoanFolder) *folderIndex {
	ix := &folderIndex{known: fs != nil, byName: map[string]string{}}
	for _, f := range fs {
		if !strings.EqualFold(f.FolderType, encompass.FolderTypeRegular) && !strings.EqualFold(f.FolderType, encompass.FolderTypeArchive) {
			continue
		}
		k := strings.ToLower(f.Name)
		if _, dup := ix.byName[k]; !dup {
			ix.byName[k] = f.Name
			ix.names = append(ix.names, f.Name)
		}
	}
	return ix
}

// resolve returns the folder's name in the server's spelling, or a message
// listing the folders when the cell names none of them.
func (ix *folderIndex) resolve(cell string) (string, string) {
	if !ix.known {
		return cell, ""
	}
	if name, ok := ix.byName[strings.ToLower(strings.TrimSpace(cell))]; ok {
		return name, ""
	}
	quoted := make([]string, len(ix.names))
	for i, n := range ix.names {
		quoted[i] = strconv.Quote(n)
	}
	return "", fmt.Sprintf("no loan folder %q can be a working folder; the folders are: %s", cell, strings.Join(quoted, ", "))
}

// groupIndex resolves groups cells. No endpoint lists the user groups, so
// the index is built from the groups carried by the users read: a known name
// resolves to its id; a number is an id.
type groupIndex struct {
	byID   map[string]encompass.EntityRef
	byName map[string][]encompass.EntityRef // lower-case name
}

func newGroupIndex(users map[string]*encompass.User) *groupIndex {
	ix := &groupIndex{byID: map[string]encompass.EntityRef{}, byName: map[string][]encompass.EntityRef{}}
	for _, u := range users {
		for _, g := range u.Groups {
			if g.EntityID == "" {
				continue
			}
			if _, seen := ix.byID[g.EntityID]; seen {
				continue
			}
			ref := encompass.EntityRef{EntityID: g.EntityID, EntityType: encompass.EntityTypeGroup, EntityName: g.EntityName}
			ix.byID[g.EntityID] = ref
			if g.EntityName != "" {
				k := strings.ToLower(g.EntityName)
				ix.byName[k] = append(ix.byName[k], ref)
			}
		}
	}
	return ix
}

// resolve finds the group a cell names, or says why it cannot.
func (ix *groupIndex) resolve(cell string) (encompass.EntityRef, string) {
	s := strings.TrimSpace(cell)
	if r, ok := ix.byID[s]; ok {
		return r, ""
	}
	if _, err := strconv.ParseUint(s, 10, 64); err == nil {
		return encompass.EntityRef{EntityID: s, EntityType: encompass.EntityTypeGroup}, ""
	}
	switch rs := ix.byName[strings.ToLower(s)]; len(rs) {
	case 1:
		return rs[0], ""
	case 0:
		return encompass.EntityRef{}, fmt.Sprintf("unknown group %q; %s; write the group's id instead", s, ix.list())
	default:
		ids := make([]string, len(rs))
		for i, r := range rs {
			ids[i] = r.EntityID
		}
		return encompass.EntityRef{}, fmt.Sprintf("%d groups are named %q (ids %s); write the id instead", len(rs), s, strings.Join(ids, ", "))
	}
}

// list names the groups seen on the server's users, at most 2×maxListed.
func (ix *groupIndex) list() string {
	if len(ix.byID) == 0 {
		return "no user on the server belongs to a group, so names cannot be looked up"
	}
	labels := make([]string, 0, len(ix.byID))
	for id, r := range ix.byID {
		labels = append(labels, fmt.Sprintf("%s (id %s)", cmp.Or(r.EntityName, "?"), id))
	}
	sort.Strings(labels)
	more := ""
	if len(labels) > 2*maxListed {
		more = fmt.Sprintf(" and %d more", len(labels)-2*maxListed)
		labels = labels[:2*maxListed]
	}
	return "the groups seen on the server's users are: " + strings.Join(labels, ", ") + more
}
