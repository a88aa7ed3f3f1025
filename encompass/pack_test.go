package encompass

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// fillAll sets every field of v, exported or not, to a value derived from
// seed: distinct strings, true and false flags, lists of two.
func fillAll(v reflect.Value, seed *int) {
	*seed++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d-é\x00%s", *seed, strings.Repeat("x", *seed%200)))
	case reflect.Bool:
		v.SetBool(*seed%2 == 0)
	case reflect.Uint8:
		v.SetUint(uint64(*seed % 256))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillAll(v.Elem(), seed)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fillAll(v.Index(i), seed)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Field(i)
			if !f.CanSet() { // unexported: reach it anyway
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			fillAll(f, seed)
		}
	default:
		panic("fillAll: no case for " + v.Kind().String())
	}
}

func TestPackRoundTrip(t *testing.T) {
	full := func(seed int) User {
		var u User
		fillAll(reflect.ValueOf(&u).Elem(), &seed)
		return u
	}
	f, tr := false, true
	tests := []struct {
		name string
		user User
	}{
		{"empty", User{}},
		{"every field", full(0)},
		{"every field, other flags", full(1)},
		{"names only", User{ID: "jdoe", FirstName: "Jane", LastName: "Doe"}},
		{"false flags kept apart from nil", User{AccountEnabled: &f, LoginEnabled: &tr}},
		{"ccSite without useParentInformation", User{CCSite: &CCSite{SiteID: "s"}}},
		{"long value", User{Comments: strings.Repeat("long ", 10000)}},
		{"missing lists", User{ID: "a", missing: missingPersonas | missingLicenses}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Pack(&tt.user)
			got := Unpack(s)
			if !reflect.DeepEqual(got, tt.user) {
				t.Fatalf("Unpack(Pack(u)) differs:\n got %+v\nwant %+v", got, tt.user)
			}
			if n := int(reflect.TypeOf(User{}).Size()); tt.name == "names only" && len(s) >= n/10 {
				t.Errorf("packed %d bytes for three names; a User value is %d", len(s), n)
			}
		})
	}
}

func TestPackSharesNothingWithTheUser(t *testing.T) {
	u := User{ID: "jdoe", Personas: []EntityRef{{EntityID: "1"}}}
	s := Pack(&u)
	u.ID, u.Personas[0].EntityID = "changed", "2"
	if got := Unpack(s); got.ID != "jdoe" || got.Personas[0].EntityID != "1" {
		t.Fatalf("the packed user changed with the original: %+v", got)
	}
}

func TestUnpackPanicsOnDamage(t *testing.T) {
	s := Pack(&User{ID: "jdoe", FirstName: "Jane"})
	for _, bad := range []string{s[:len(s)-1], s + "\xff", "\x00\x80"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Unpack(%q) did not panic", bad)
				}
			}()
			Unpack(bad)
		}()
	}
}

func BenchmarkPack(b *testing.B) {
	var u User
	seed := 0
	fillAll(reflect.ValueOf(&u).Elem(), &seed)
	b.ReportAllocs()
	for b.Loop() {
		Unpack(Pack(&u))
	}
}
