package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Save writes the plan as JSON: indented, except that each row is one
// line, so that a plan of 250,000 rows is written a row at a time (never
// whole in memory) and reads a row per line. Passwords are never written:
// Row has no serialised password and a Create never holds one.
func Save(w io.Writer, p *Plan) error {
	head := *p
	head.Rows = nil
	hb, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	// The top-level key is the only one indented by exactly two spaces.
	before, after, ok := bytes.Cut(hb, []byte("\n  \"rows\": null"))
	if !ok {
		return fmt.Errorf("writing the plan: no rows key in %.200s", hb)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(before)
	bw.WriteString("\n  \"rows\": [")
	var rb bytes.Buffer
	enc := json.NewEncoder(&rb)
	for i := range p.Rows {
		rb.Reset()
		if err := enc.Encode(&p.Rows[i]); err != nil {
			return fmt.Errorf("writing the plan: row %d: %w", p.Rows[i].Row, err)
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimSuffix(rb.Bytes(), []byte("\n")))
	}
	if len(p.Rows) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]")
	bw.Write(after)
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the plan: %w", err)
	}
	return nil
}

// Load reads a plan written by Save (or by any encimport: the JSON is
// read field by field, the rows one at a time, so a large plan is never
// held twice).
func Load(r io.Reader) (*Plan, error) {
	p, err := decode(json.NewDecoder(bufio.NewReaderSize(r, 64<<10)))
	if err != nil {
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
	return p, nil
}

// decode reads the plan object: the rows one by one, the other fields
// gathered (in file order, so that a key given twice or in another case
// means what encoding/json makes of it) and decoded together.
func decode(dec *json.Decoder) (*Plan, error) {
	if t, err := dec.Token(); err != nil {
		return nil, err
	} else if t != json.Delim('{') {
		return nil, fmt.Errorf("the file is not a JSON object")
	}
	head := []byte{'{'}
	var rows []Row
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		if !strings.EqualFold(key, "rows") { // encoding/json matches keys in any case
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			if len(head) > 1 {
				head = append(head, ',')
			}
			kb, _ := json.Marshal(key)
			head = append(append(append(head, kb...), ':'), v...)
			continue
		}
		rows = nil // a later "rows" replaces an earlier one
		if t, err := dec.Token(); err != nil {
			return nil, err
		} else if t == nil {
			continue // "rows": null
		} else if t != json.Delim('[') {
			return nil, fmt.Errorf("rows is not a list")
		}
		for dec.More() {
			rows = append(rows, Row{})
			if err := dec.Decode(&rows[len(rows)-1]); err != nil {
				return nil, fmt.Errorf("row %d of the plan: %w", len(rows), err)
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(append(head, '}'), &p); err != nil {
		return nil, err
	}
	p.Rows = rows
	return &p, nil
}
