package plan

// Summary counts what a plan will do, per action. A row that is both
// patched and moved counts in Update and in Move.
type Summary struct {
	Create    int       `json:"create"`
	Update    int       `json:"update"`
	Move      int       `json:"move"` // users moved
	Disable   int       `json:"disable"`
	Enable    int       `json:"enable"`
	Unchanged int       `json:"unchanged"`
	Invalid   int       `json:"invalid"`
	MoveCalls int       `json:"moveCalls"`
	Reads     ReadStats `json:"reads"`
}

// Summary counts the plan's rows per action.
func (p *Plan) Summary() Summary {
	s := Summary{MoveCalls: len(p.Moves), Reads: p.Reads}
	for i := range p.Rows {
		r := &p.Rows[i]
		switch r.Status {
		case StatusUnchanged:
			s.Unchanged++
			continue
		case StatusInvalid:
			s.Invalid++
			continue
		}
		switch r.Outcome {
		case StatusCreated:
			s.Create++
		case StatusUpdated:
			s.Update++
		case StatusDisabled:
			s.Disable++
		case StatusEnabled:
			s.Enable++
		}
		if r.Move != nil || (r.Outcome == StatusMoved && r.Create == nil && r.Patch == nil) {
			s.Move++
		}
	}
	return s
}

// Counts returns the number of rows per status (planned, unchanged,
// invalid) and of planned rows per outcome (created, updated, moved,
// disabled, enabled).
func (p *Plan) Counts() map[Status]int {
	m := map[Status]int{}
	for i := range p.Rows {
		r := &p.Rows[i]
		m[r.Status]++
		if r.Status == StatusPlanned && r.Outcome != "" {
			m[r.Outcome]++
		}
	}
	return m
}
