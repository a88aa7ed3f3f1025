package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
	"github.com/encimport/encimport/runrec"
)

// Exporter writes users as rows of the template (encimport export), so
// that Build, given those rows back, finds every user unchanged: each cell
// is written the way this package reads it. Organizations are written as
// their path (their id when the path would not find them again: a name
// with '/' or '>', two siblings of one name), personas and groups by name
// (by id when the name would not resolve to the same one), licenses as the
// selected state codes, booleans as true/false (an absent one as its
// documented default). Never a password: that cell stays empty, as do
// action and sourceOrgId.
//
// Groups are learnt from the users as they are written (no endpoint lists
// them): a name first seen for one id and later for another is written as
// an id from then on.
type Exporter struct {
	orgs     *orgIndex
	personas *personaIndex
	orgCell  map[string]string // org id → its cell
	groups   map[string]string // lower-case group name → the id first seen with it
}

// NewExporter indexes the organization tree and the personas the rows
// will name.
func NewExporter(root *encompass.Organization, personas []encompass.Persona) *Exporter {
	e := &Exporter{orgs: newOrgIndex(root), personas: newPersonaIndex(personas), orgCell: map[string]string{}, groups: map[string]string{}}
	for _, n := range e.orgs.all {
		cell := n.org.ID
		if m, msg := e.orgs.resolve(n.path); msg == "" && m == n {
			cell = n.path
		}
		e.orgCell[n.org.ID] = cell
	}
	return e
}

// ResolveOrg finds the organization a --org value names (an id, a path or
// a unique name, as an orgId cell) and returns its id and label.
func (e *Exporter) ResolveOrg(cell string) (id, label string, err error) {
	n, msg := e.orgs.resolve(cell)
	if msg != "" {
		return "", "", fmt.Errorf("%s", msg)
	}
	return n.org.ID, n.label(), nil
}

// OrgPath is the path of the organization id ("" when not in the tree).
func (e *Exporter) OrgPath(id string) string {
	if n, ok := e.orgs.byID[id]; ok {
		return n.path
	}
	return ""
}

// ResolvePersona finds the persona a --persona value names (name or id).
func (e *Exporter) ResolvePersona(s string) (encompass.Persona, error) {
	p, ok := e.personas.find(s)
	if !ok {
		return encompass.Persona{}, fmt.Errorf("unknown persona %q; the personas are: %s", s, strings.Join(e.personas.names, ", "))
	}
	return p, nil
}

// Row returns the template row of u: one value per importer column.
// NMLS expiration dates are yyyy-MM-dd as the server has them.
func (e *Exporter) Row(u *encompass.User) [importer.NumColumns]string {
	var row [importer.NumColumns]string
	row[importer.ColID] = u.ID
	for _, s := range scalars {
		if s.IsBool() {
			row[s.col] = strconv.FormatBool(boolValue(s.GetBool(u), s.Default))
			continue
		}
		row[s.col] = s.Get(u)
	}
	if u.Organization != nil && u.Organization.EntityID != "" {
		id := u.Organization.EntityID
		if c, ok := e.orgCell[id]; ok {
			row[importer.ColOrgID] = c
		} else {
			row[importer.ColOrgID] = id
		}
	}
	names := make([]string, 0, len(u.Personas))
	for _, r := range u.Personas {
		names = append(names, e.personaCell(r))
	}
	row[importer.ColPersonas] = strings.Join(names, ";")
	names = names[:0]
	for _, g := range u.Groups {
		if c := e.groupCell(g); c != "" {
			names = append(names, c)
		}
	}
	row[importer.ColGroups] = strings.Join(names, ";")
	row[importer.ColLicenses] = strings.Join(runrec.SelectedStates(u.Licenses), ";")
	if u.CCSite != nil {
		row[importer.ColCCSiteID] = u.CCSite.SiteID
	}
	return row
}

// listSafe reports whether name can stand as an item of a list cell and be
// read back as itself.
func listSafe(name string) bool {
	return name != "" && !strings.ContainsAny(name, ";,\r\n") && strings.TrimSpace(name) == name
}

func (e *Exporter) personaCell(r encompass.EntityRef) string {
	name := e.personas.name(r)
	if listSafe(name) {
		if p, ok := e.personas.find(name); ok && p.ID == r.EntityID {
			return name
		}
	}
	return r.EntityID
}

func (e *Exporter) groupCell(g encompass.EntityRef) string {
	name := g.EntityName
	if g.EntityID == "" {
		return "" // a group without an id cannot be sent back; Build never sends one
	}
	if !listSafe(name) || isDigits(name) {
		return g.EntityID
	}
	k := strings.ToLower(name)
	if id, seen := e.groups[k]; seen && id != g.EntityID {
		return g.EntityID
	}
	e.groups[k] = g.EntityID
	return name
}
