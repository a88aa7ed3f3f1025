package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Save writes the plan as indented JSON. Passwords are never written: Row
// has no serialised password and a Create never holds one.
func Save(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
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
