package encompass

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// Pack returns u in a compact form: one string holding every field, about
// the size of its values (a User value alone is over 500 bytes, before its
// strings, lists and flags). A plan keeps its create bodies packed and
// builds each User when it is needed (see plan.Create). The form never
// leaves the process: it is not a wire or file format.
func Pack(u *User) string {
	bp := packBufs.Get().(*[]byte)
	b := appendUser((*bp)[:0], u)
	s := string(b)
	*bp = b
	packBufs.Put(bp)
	return s
}

// Unpack is Pack's inverse, but for an empty list, which comes back nil
// (the same JSON: lists are omitted when empty). The User's strings share
// s's memory. It panics on a string Pack did not make: that is a bug, not
// bad input.
func Unpack(s string) User {
	var u User
	d := unpacker{s: s}
	for d.i < len(d.s) {
		tag := d.byte()
		switch {
		case tag < tagBools:
			*userStrings[tag](&u) = d.str()
		case tag < tagBools+byte(len(userBools)):
			v := d.byte() == 1
			*userBools[tag-tagBools](&u) = &v
		default:
			d.field(&u, tag)
		}
	}
	return u
}

var packBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// userStrings and userBools are the User's string and *bool fields; a
// field's tag is its index (bools after tagBools). A field missing here is
// lost by Pack: TestPackRoundTrip fills every field and fails.
var userStrings = [...]func(*User) *string{
	func(u *User) *string { return &u.ID },
	func(u *User) *string { return &u.FirstName },
	func(u *User) *string { return &u.MiddleName },
	func(u *User) *string { return &u.LastName },
	func(u *User) *string { return &u.Suffix },
	func(u *User) *string { return &u.FullName },
	func(u *User) *string { return &u.Email },
	func(u *User) *string { return &u.Password },
	func(u *User) *string { return &u.Title },
	func(u *User) *string { return &u.Phone },
	func(u *User) *string { return &u.CellPhone },
	func(u *User) *string { return &u.Fax },
	func(u *User) *string { return &u.EmployeeID },
	func(u *User) *string { return &u.ChumID },
	func(u *User) *string { return &u.NMLSOriginatorID },
	func(u *User) *string { return &u.NMLSExpirationDate },
	func(u *User) *string { return &u.WorkingFolder },
	func(u *User) *string { return &u.OAuthClientID },
	func(u *User) *string { return &u.PeerLoanAccess },
	func(u *User) *string { return &u.SubordinateLoanAccess },
	func(u *User) *string { return &u.Comments },
	func(u *User) *string { return &u.EmailSignature },
}

var userBools = [...]func(*User) **bool{
	func(u *User) **bool { return &u.APIUser },
	func(u *User) **bool { return &u.AllowImpersonation },
	func(u *User) **bool { return &u.IsSSOOnly },
	func(u *User) **bool { return &u.IsSSODisconnected },
	func(u *User) **bool { return &u.RequirePasswordChange },
	func(u *User) **bool { return &u.AccountEnabled },
	func(u *User) **bool { return &u.LoginEnabled },
}

// Tags of the fields that are neither strings nor flags.
const (
	tagBools = byte(len(userStrings))
	tagOther = tagBools + byte(len(userBools))
)

const (
	tagPersonas = tagOther + iota
	tagGroups
	tagLicenses
	tagOrganization
	tagCCSite
	tagIndicators
	tagMissing
)

func appendUser(b []byte, u *User) []byte {
	for i, f := range userStrings {
		if s := *f(u); s != "" {
			b = appendStr(append(b, byte(i)), s)
		}
	}
	for i, f := range userBools {
		if p := *f(u); p != nil {
			b = append(b, tagBools+byte(i), flag(*p))
		}
	}
	b = appendRefs(b, tagPersonas, u.Personas)
	b = appendRefs(b, tagGroups, u.Groups)
	if len(u.Licenses) > 0 {
		b = binary.AppendUvarint(append(b, tagLicenses), uint64(len(u.Licenses)))
		for _, l := range u.Licenses {
			b = appendStr(b, l.State)
			b = append(b, flag(l.Selected))
			b = appendStr(appendStr(b, l.License), l.ExpirationDate)
		}
	}
	if o := u.Organization; o != nil {
		b = appendRef(append(b, tagOrganization), *o)
	}
	if c := u.CCSite; c != nil {
		b = appendStr(appendStr(append(b, tagCCSite), c.SiteID), c.URL)
		switch {
		case c.UseParentInformation == nil:
			b = append(b, 2)
		default:
			b = append(b, flag(*c.UseParentInformation))
		}
	}
	if len(u.UserIndicators) > 0 {
		b = binary.AppendUvarint(append(b, tagIndicators), uint64(len(u.UserIndicators)))
		for _, s := range u.UserIndicators {
			b = appendStr(b, s)
		}
	}
	if u.missing != 0 {
		b = append(b, tagMissing, u.missing)
	}
	return b
}

func flag(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendRef(b []byte, r EntityRef) []byte {
	return appendStr(appendStr(appendStr(b, r.EntityID), r.EntityType), r.EntityName)
}

func appendRefs(b []byte, tag byte, rs []EntityRef) []byte {
	if len(rs) == 0 {
		return b
	}
	b = binary.AppendUvarint(append(b, tag), uint64(len(rs)))
	for _, r := range rs {
		b = appendRef(b, r)
	}
	return b
}

type unpacker struct {
	s string
	i int
}

func (d *unpacker) byte() byte {
	if d.i >= len(d.s) {
		panic("encompass.Unpack: truncated")
	}
	c := d.s[d.i]
	d.i++
	return c
}

func (d *unpacker) uvarint() int {
	var n uint64
	for shift := 0; ; shift += 7 {
		c := d.byte()
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	if n > uint64(len(d.s)) {
		panic("encompass.Unpack: length out of range")
	}
	return int(n)
}

func (d *unpacker) str() string {
	n := d.uvarint()
	if d.i+n > len(d.s) {
		panic("encompass.Unpack: truncated")
	}
	s := d.s[d.i : d.i+n]
	d.i += n
	return s
}

func (d *unpacker) ref() EntityRef {
	return EntityRef{EntityID: d.str(), EntityType: d.str(), EntityName: d.str()}
}

func (d *unpacker) refs() []EntityRef {
	rs := make([]EntityRef, d.uvarint())
	for i := range rs {
		rs[i] = d.ref()
	}
	return rs
}

func (d *unpacker) field(u *User, tag byte) {
	switch tag {
	case tagPersonas:
		u.Personas = d.refs()
	case tagGroups:
		u.Groups = d.refs()
	case tagLicenses:
		u.Licenses = make([]License, d.uvarint())
		for i := range u.Licenses {
			l := &u.Licenses[i]
			l.State = d.str()
			l.Selected = d.byte() == 1
			l.License, l.ExpirationDate = d.str(), d.str()
		}
	case tagOrganization:
		o := d.ref()
		u.Organization = &o
	case tagCCSite:
		c := &CCSite{SiteID: d.str(), URL: d.str()}
		if v := d.byte(); v != 2 {
			b := v == 1
			c.UseParentInformation = &b
		}
		u.CCSite = c
	case tagIndicators:
		u.UserIndicators = make([]string, d.uvarint())
		for i := range u.UserIndicators {
			u.UserIndicators[i] = d.str()
		}
	case tagMissing:
		u.missing = d.byte()
	default:
		panic(fmt.Sprintf("encompass.Unpack: unknown tag %d", tag))
	}
}
