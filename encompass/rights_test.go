package encompass

import (
	"slices"
	"testing"
)

func TestCanManageUsersAndIsSuperAdministrator(t *testing.T) {
	names := map[string]string{"1": "Super Administrator", "2": "administrator", "3": "Organizations/User", "4": "Loan Officer"}
	byID := func(r EntityRef) string { return names[r.EntityID] }
	personas := func(ids ...string) []EntityRef {
		var out []EntityRef
		for _, id := range ids {
			out = append(out, EntityRef{EntityID: id})
		}
		return out
	}
	tests := []struct {
		name     string
		u        User
		ok       bool
		why      string
		super    bool
		managing []string // ManagingPersonas
	}{
		{"super administrator indicator", User{UserIndicators: []string{"superadministrator"}}, true, "super administrator", true, nil},
		{"administrator indicator", User{UserIndicators: []string{IndicatorTopLevelUser, IndicatorAdministrator}}, true, "administrator", false, nil},
		{"super administrator persona", User{Personas: personas("4", "1")}, true, `persona "Super Administrator"`, true, []string{"Super Administrator"}},
		{"administrator persona in another case", User{Personas: personas("2")}, true, `persona "administrator"`, false, []string{"administrator"}},
		{"organizations/user persona", User{Personas: personas("4", "3")}, true, `persona "Organizations/User"`, false, []string{"Organizations/User"}},
		{"two managing personas", User{Personas: personas("3", "4", "1")}, true, `persona "Organizations/User"`, true, []string{"Organizations/User", "Super Administrator"}},
		{"loan officer", User{Personas: personas("4"), UserIndicators: []string{IndicatorTopLevelUser}}, false,
			"it needs the Administrator or Super Administrator persona, or the Organizations/User persona", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := CanManageUsers(&tt.u, byID)
			if ok != tt.ok || why != tt.why {
				t.Errorf("CanManageUsers = %v, %q; want %v, %q", ok, why, tt.ok, tt.why)
			}
			if got := IsSuperAdministrator(&tt.u, byID); got != tt.super {
				t.Errorf("IsSuperAdministrator = %v, want %v", got, tt.super)
			}
			if got := ManagingPersonas(&tt.u, byID); !slices.Equal(got, tt.managing) {
				t.Errorf("ManagingPersonas = %q, want %q", got, tt.managing)
			}
		})
	}
}
