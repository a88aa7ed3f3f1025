package importer

import (
	"fmt"
	"strings"
	"time"

	"github.com/encimport/encimport/encompass"
)

// Forgiving, never guessing (issue 17 item 1): the unambiguous ways people
// write phone numbers and dates are read into the API's form; anything
// else stays a problem whose message shows a form that is accepted.

// phoneHint ends the message of a phone number that cannot be read.
const phoneHint = "write it as 303-555-0100, or with an extension as 303-555-0107 22 ((303) 555-0100, 303.555.0100, +1 303 555 0100 and 303-555-0107 x22 are read too)"

// normalizePhone reads a North American phone number into the API's form
// ###-###-#### with an optional " " and extension of 1 to 6 digits
// (encompass.IsPhone). Accepted, spaces aside: an optional country code
// 1 or +1; the area code, bare or in parentheses; the three groups of
// 3, 3 and 4 digits separated by spaces, '.' or '-' or not at all; then
// optionally an extension after "x", "ext", "ext.", "extension" or "#"
// (any case), or after a space.
func normalizePhone(c Column, s string) (string, bool, string) {
	if encompass.IsPhone(s) {
		return s, false, ""
	}
	if s[0] == '+' {
		if len(s) > 1 && s[1] == '1' {
			if v, ok := phoneRest(skipPhoneSeps(s[2:])); ok {
				return v, false, ""
			}
		} else {
			return "", false, fmt.Sprintf("%q is not a North American number (+1); the API takes only ###-###-####; %s", Clip(s), phoneHint)
		}
	} else {
		if s[0] == '1' {
			if v, ok := phoneRest(skipPhoneSeps(s[1:])); ok {
				return v, false, ""
			}
		}
		if v, ok := phoneRest(s); ok {
			return v, false, ""
		}
	}
	return "", false, fmt.Sprintf("%q is not a phone number the API takes; %s", Clip(s), phoneHint)
}

func isPhoneSep(b byte) bool { return b == ' ' || b == '.' || b == '-' }

func skipPhoneSeps(s string) string {
	for len(s) > 0 && isPhoneSep(s[0]) {
		s = s[1:]
	}
	return s
}

// digitsPrefix returns the first n bytes of s when they are all digits.
func digitsPrefix(s string, n int) (string, bool) {
	if len(s) < n || !allDigits(s[:n]) {
		return "", false
	}
	return s[:n], true
}

// phoneRest reads the number after the country code: area code, exchange,
// line and the optional extension.
func phoneRest(s string) (string, bool) {
	var area string
	var ok bool
	if strings.HasPrefix(s, "(") {
		if area, ok = digitsPrefix(s[1:], 3); !ok || len(s) < 5 || s[4] != ')' {
			return "", false
		}
		s = s[5:]
	} else if area, ok = digitsPrefix(s, 3); ok {
		s = s[3:]
	} else {
		return "", false
	}
	s = skipPhoneSeps(s)
	exch, ok := digitsPrefix(s, 3)
	if !ok {
		return "", false
	}
	s = skipPhoneSeps(s[3:])
	line, ok := digitsPrefix(s, 4)
	if !ok {
		return "", false
	}
	s = s[4:]
	num := area + "-" + exch + "-" + line
	if s == "" {
		return num, true
	}
	rest := strings.TrimLeft(s, " ")
	spaced := len(rest) < len(s)
	marked := false
	for _, m := range [...]string{"extension", "ext.", "ext", "x", "#"} {
		if len(rest) >= len(m) && strings.EqualFold(rest[:len(m)], m) {
			rest, marked = strings.TrimLeft(rest[len(m):], " "), true
			break
		}
	}
	if !marked && !spaced || len(rest) < 1 || len(rest) > 6 || !allDigits(rest) {
		return "", false
	}
	return num + " " + rest, true
}

// months maps English month names and their abbreviations (lower case) to
// their numbers.
var months = func() map[string]int {
	m := map[string]int{"sept": 9}
	for i := time.January; i <= time.December; i++ {
		name := strings.ToLower(i.String())
		m[name], m[name[:3]] = int(i), int(i)
	}
	return m
}()

// dateHint ends the message of a date that cannot be read.
const dateHint = "write it as yyyy-MM-dd, e.g. 2027-12-31 (12/31/2027, 31.12.2027, 2027/12/31, Dec 31, 2027 and 31-Dec-2027 are read too)"

// splitTime splits a trailing time of day off a date: the token holding
// the first ':' and everything after it, after a space or an ISO 'T'.
// time is "" when s has no ':'; ok is false when the time is not
// separated from the date.
func splitTime(s string) (date, tod string, ok bool) {
	c := strings.IndexByte(s, ':')
	if c < 0 {
		return s, "", true
	}
	k := strings.LastIndexAny(s[:c], " Tt")
	if k <= 0 {
		return s, "", false
	}
	return strings.TrimRight(s[:k], " ,"), s[k+1:], true
}

// isMidnight reports whether a time of day is 0:00 (0:00:00, 00:00:00.000,
// 0:00Z, 12:00 AM).
func isMidnight(t string) bool {
	t = strings.ToLower(strings.TrimSpace(t))
	t = strings.TrimSuffix(t, "z")
	if strings.HasSuffix(t, "am") {
		t = strings.TrimSpace(t[:len(t)-2])
		if strings.HasPrefix(t, "12:") {
			t = "0" + t[2:]
		}
	}
	if !strings.Contains(t, ":") {
		return false
	}
	return strings.Trim(t, "0:.") == ""
}

// dateParts splits a date without its time into year, month and day text
// (month possibly a name), from the forms ParseDate reads. ambiguous is set
// for d-m-yyyy.
func dateParts(s string) (y, m, d string, ok, ambiguous bool) {
	hasLetter := false
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			hasLetter = true
			break
		}
	}
	if hasLetter {
		f := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '-' || r == '.' || r == '/' })
		if len(f) != 3 {
			return "", "", "", false, false
		}
		switch {
		case !allDigits(f[0]) && allDigits(f[1]) && allDigits(f[2]): // Dec 31, 2027
			return f[2], f[0], f[1], true, false
		case allDigits(f[0]) && !allDigits(f[1]) && allDigits(f[2]):
			if len(f[0]) == 4 && len(f[2]) <= 2 { // 2027-Dec-31
				return f[0], f[1], f[2], true, false
			}
			return f[2], f[1], f[0], true, false // 31-Dec-2027
		}
		return "", "", "", false, false
	}
	var parts []string
	switch {
	case strings.Contains(s, "-"):
		parts = strings.Split(s, "-")
		if len(parts) == 3 {
			y, m, d = parts[0], parts[1], parts[2]
			if len(y) <= 2 && len(d) == 4 {
				return "", "", "", false, true
			}
		}
	case strings.Contains(s, "/"):
		parts = strings.Split(s, "/")
		if len(parts) == 3 {
			if len(parts[0]) == 4 { // 2027/12/31
				y, m, d = parts[0], parts[1], parts[2]
			} else {
				m, d, y = parts[0], parts[1], parts[2]
			}
		}
	case strings.Contains(s, "."):
		parts = strings.Split(s, ".")
		if len(parts) == 3 {
			d, m, y = parts[0], parts[1], parts[2]
		}
	}
	return y, m, d, len(parts) == 3, false
}

// ParseDate reads a date into yyyy-MM-dd: yyyy-MM-dd, m/d/yyyy,
// yyyy/m/d, d.m.yyyy, and with the month's English name or abbreviation
// Dec 31, 2027, 31 Dec 2027, 31-Dec-2027; optionally followed by a time of
// day that is midnight (0:00, 00:00:00, 12:00 AM, an ISO T00:00:00Z), as
// Excel and XLSX date cells write it. A two-digit year, another time of
// day, an impossible date or any other text gives ok false and a problem
// saying what to write instead.
func ParseDate(s string) (string, bool, string) {
	s = trimCell(s)
	if s == "" {
		return "", false, "the date is empty"
	}
	date, tod, ok := splitTime(s)
	if !ok {
		return "", false, fmt.Sprintf("%q is not a date; %s", Clip(s), dateHint)
	}
	if tod != "" && !isMidnight(tod) {
		return "", false, fmt.Sprintf("%q is a date with a time of day; write only the date, as yyyy-MM-dd", Clip(s))
	}
	y, m, d, ok, ambiguous := dateParts(date)
	if ambiguous {
		return "", false, fmt.Sprintf("%q is ambiguous; write it as yyyy-MM-dd", Clip(date))
	}
	mi, named := months[strings.ToLower(m)]
	if !ok || !allDigits(y) || !allDigits(d) || len(d) > 2 || d == "" || !named && (!allDigits(m) || len(m) > 2 || m == "") {
		return "", false, fmt.Sprintf("%q is not a date; %s", Clip(s), dateHint)
	}
	if len(y) != 4 {
		return "", false, fmt.Sprintf("%q has a %d-digit year; write the year with four digits, e.g. yyyy-MM-dd", Clip(s), len(y))
	}
	yi := atoiDigits(y)
	if !named {
		mi = atoiDigits(m)
	}
	di := atoiDigits(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Year() != yi || int(t.Month()) != mi || t.Day() != di {
		return "", false, fmt.Sprintf("%q is not a date in the calendar; check the day and month", Clip(s))
	}
	return t.Format(encompass.DateLayout), true, ""
}

// atoiDigits converts at most a few ASCII digits.
func atoiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
