package encompass

import "strings"

// Action is what a spreadsheet row asks to do to its user (docs/product.md
// "The spreadsheet"): the action cell, or the run's --action default.
//
// It lives here, with the user model, because the spreadsheet reader
// (package importer) checks the action cell and the plan (package plan)
// imports the reader: this is the lowest package both share.
type Action string

// The actions, lower case as the reader normalises them.
const (
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionMove    Action = "move"
	ActionDisable Action = "disable"
	ActionEnable  Action = "enable"
	ActionUpsert  Action = "upsert"
)

// Actions lists every action, in the order messages name them.
var Actions = []Action{ActionCreate, ActionUpdate, ActionMove, ActionDisable, ActionEnable, ActionUpsert}

// ParseAction returns the action s names once lower-cased (the constant,
// not a slice of s); ok is false when s names none.
func ParseAction(s string) (a Action, ok bool) {
	low := Action(strings.ToLower(s))
	for _, a := range Actions {
		if low == a {
			return a, true
		}
	}
	return "", false
}

// Known reports whether a is one of Actions (exactly: lower case).
func (a Action) Known() bool {
	for _, k := range Actions {
		if a == k {
			return true
		}
	}
	return false
}

// ActionNames joins the actions' names with sep, the last with last
// (", " and " or " give "create, update, ..., enable or upsert").
func ActionNames(sep, last string) string {
	var b strings.Builder
	for i, a := range Actions {
		switch {
		case i == 0:
		case i == len(Actions)-1:
			b.WriteString(last)
		default:
			b.WriteString(sep)
		}
		b.WriteString(string(a))
	}
	return b.String()
}
