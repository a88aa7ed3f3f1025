package importer

import (
	"slices"
	"testing"

	"github.com/encimport/encimport/internal/rules"
)

// TestRulesMirror keeps the reader's copies of the documented enumerations
// equal to internal/rules.
func TestRulesMirror(t *testing.T) {
	if !slices.Equal(peerLoanAccessValues, rules.PeerLoanAccessValues) {
		t.Errorf("peerLoanAccessValues = %v, rules has %v", peerLoanAccessValues, rules.PeerLoanAccessValues)
	}
	if !slices.Equal(subordinateLoanAccessValues, rules.SubordinateLoanAccessValues) {
		t.Errorf("subordinateLoanAccessValues = %v, rules has %v", subordinateLoanAccessValues, rules.SubordinateLoanAccessValues)
	}
	if dateLayout != rules.DateLayout {
		t.Errorf("dateLayout = %q, rules has %q", dateLayout, rules.DateLayout)
	}
}
