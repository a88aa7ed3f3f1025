package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Save writes the plan as indented JSON. Passwords are never written: Row
// has no serialised password and Create bodies are saved without one.
func Save(w io.Writer, p *Plan) error {
	cp := *p
	cp.Rows = make([]Row, len(p.Rows))
	for i, r := range p.Rows {
		if r.Create != nil && r.Create.User.Password != "" {
			c := *r.Create
			c.User.Password = ""
			r.Create = &c
		}
		cp.Rows[i] = r
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&cp); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	return nil
}

// Load reads a plan written by Save.
func Load(r io.Reader) (*Plan, error) {
	var p Plan
	if err := json.NewDecoder(r).Decode(&p); err != nil {
		return nil, fmt.Errorf("reading the plan: %w (is it a file written by `encimport plan -o`?)", err)
	}
	if p.Version != Version {
		return nil, fmt.Errorf("the plan has version %d, this encimport reads version %d; make the plan again with this version", p.Version, Version)
	}
	for _, r := range p.Rows {
		if r.Patch != nil {
			// Indented files carry indented values: keep bodies compact.
			for k, v := range r.Patch.Body {
				var b bytes.Buffer
				if err := json.Compact(&b, v); err == nil {
					r.Patch.Body[k] = b.Bytes()
				}
			}
		}
		if r.Move != nil && (r.Move.Call < 0 || r.Move.Call >= len(p.Moves)) {
			return nil, fmt.Errorf("the plan is damaged: row %d refers to move call %d of %d; make the plan again", r.Row, r.Move.Call, len(p.Moves))
		}
	}
	return &p, nil
}
