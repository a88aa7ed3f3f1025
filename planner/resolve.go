package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/importer"
)

// currentOrg is the organization the server says u is in; nil when the
// tree does not hold it.
func (b *builder) currentOrg(u *encompass.User) *orgNode {
	if u.Organization == nil {
		return nil
	}
	return b.orgs.byID[u.Organization.EntityID]
}

// where is " in <organization>" for messages, "" when u's is unknown.
func (b *builder) where(u *encompass.User) string {
	if n := b.currentOrg(u); n != nil {
		return " in " + n.label()
	}
	return ""
}

// resolvePersonas maps the personas cell to references; ok is false when a
// name or id is unknown.
func (b *builder) resolvePersonas(rec *importer.Record) ([]encompass.EntityRef, bool) {
	ok := true
	var refs []encompass.EntityRef
	seen := map[string]bool{}
	for _, item := range rec.List(importer.ColPersonas) {
		p, found := b.personas.find(item)
		if !found {
			ok = false
			continue
		}
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		refs = append(refs, encompass.EntityRef{EntityID: p.ID, EntityType: encompass.EntityTypePersona, EntityName: p.Name})
	}
	return refs, ok
}

func (b *builder) unknownPersonas(rec *importer.Record) string {
	var unknown []string
	for _, item := range rec.List(importer.ColPersonas) {
		if _, found := b.personas.find(item); !found {
			unknown = append(unknown, strconv.Quote(item))
		}
	}
	noun := "persona"
	if len(unknown) > 1 {
		noun = "personas"
	}
	return fmt.Sprintf("unknown %s %s; the personas are: %s", noun, strings.Join(unknown, ", "), strings.Join(b.personas.names, ", "))
}

// resolveGroups maps the groups cell to references that all carry an id
// (a group is never sent without one); an unknown name is a problem.
func (b *builder) resolveGroups(rec *importer.Record, add func(importer.Column, string)) []encompass.EntityRef {
	var refs []encompass.EntityRef
	seen := map[string]bool{}
	for _, g := range rec.List(importer.ColGroups) {
		ref, msg := b.groups.resolve(g)
		if msg != "" {
			add(importer.ColGroups, msg)
			continue
		}
		if seen[ref.EntityID] {
			continue
		}
		seen[ref.EntityID] = true
		refs = append(refs, ref)
	}
	return refs
}

type colMsg struct {
	col importer.Column
	msg string
}

// unreadEntities names the lists the row sets (or merges into) that the
// server's read of the user did not carry: a change computed from a summary
// read would delete what it did not see, so the row is a problem instead.
func (b *builder) unreadEntities(rec *importer.Record, u *encompass.User) []colMsg {
	var out []colMsg
	for _, wire := range u.Missing() {
		var col importer.Column
		switch wire {
		case encompass.FieldPersonas:
			col = importer.ColPersonas
		case encompass.FieldGroups:
			col = importer.ColGroups
		case encompass.FieldLicenses:
			col = importer.ColLicenses
		default:
			continue
		}
		if len(rec.List(col)) == 0 {
			continue
		}
		out = append(out, colMsg{col, fmt.Sprintf("the server returned the user %q without its %s (a summary read), so the change cannot be computed safely; run again, and if it persists report it", u.ID, wire)})
	}
	return out
}
