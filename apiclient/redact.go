package apiclient

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// redacted replaces every secret in an error text or a trace line.
const redacted = "[redacted]"

// minSecretLen keeps a trivially short value from being redacted everywhere.
const minSecretLen = 3

// secrets is every secret a client knows: the configured password and
// client secret, the Basic pair, and every token of this run. redact
// removes each in every form it takes on the wire (raw, URL-encoded,
// JSON-escaped, base64). It is the one place redaction is decided: API
// errors, token errors and the trace all go through it. Safe for
// concurrent use.
type secrets struct {
	mu    sync.RWMutex
	known map[string]bool
	forms []string // every form of every known secret, longest first
}

// add makes later redactions remove ss in all their forms.
func (s *secrets) add(ss ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.known == nil {
		s.known = map[string]bool{}
	}
	changed := false
	for _, v := range ss {
		if len(v) < minSecretLen || s.known[v] {
			continue
		}
		s.known[v] = true
		s.forms = appendForms(s.forms, v)
		changed = true
	}
	if changed {
		sortLongestFirst(s.forms)
	}
}

// addBasic adds the client's Basic pair as x/oauth2 and net/http send it
// (the pair raw and with each half URL-encoded).
func (s *secrets) addBasic(id, secret string) {
	if secret == "" {
		return
	}
	s.add(secret, id+":"+secret, url.QueryEscape(id)+":"+url.QueryEscape(secret))
}

// redact removes every known secret, and every form of the extra values
// (secrets of one request, e.g. a new user's password), from text.
func (s *secrets) redact(text string, extra ...string) string {
	if text == "" {
		return text
	}
	var local []string
	for _, v := range extra {
		if len(v) >= minSecretLen {
			local = appendForms(local, v)
		}
	}
	sortLongestFirst(local)
	return s.redactForms(text, local)
}

// redactForms is redact with the extra values' forms already computed.
func (s *secrets) redactForms(text string, local []string) string {
	if text == "" {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, list := range [2][]string{local, s.forms} {
		for _, f := range list {
			if strings.Contains(text, f) {
				text = strings.ReplaceAll(text, f, redacted)
			}
		}
	}
	return text
}

// redactError removes the secrets from an API error's texts, nested ones
// included.
func (s *secrets) redactError(e *Error, extra ...string) {
	var local []string
	for _, v := range extra {
		if len(v) >= minSecretLen {
			local = appendForms(local, v)
		}
	}
	sortLongestFirst(local)
	clean := func(t string) string { return s.redactForms(t, local) }
	var nested func(b *ErrorBody)
	nested = func(b *ErrorBody) {
		b.Summary, b.Details = clean(b.Summary), clean(b.Details)
		for i := range b.Errors {
			nested(&b.Errors[i])
		}
	}
	e.Summary, e.Details = clean(e.Summary), clean(e.Details)
	for i := range e.Errors {
		nested(&e.Errors[i])
	}
}

// secretForms returns s as it may appear in a body, a query or a header.
func secretForms(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if q, err := json.Marshal(s); err == nil {
		forms = append(forms, string(q[1:len(q)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		q := strings.TrimSpace(buf.String())
		forms = append(forms, q[1:len(q)-1])
	}
	b := []byte(s)
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, e.EncodeToString(b))
	}
	return forms
}

func appendForms(dst []string, s string) []string {
	for _, f := range secretForms(s) {
		if len(f) >= minSecretLen && !contains(dst, f) {
			dst = append(dst, f)
		}
	}
	return dst
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortLongestFirst(forms []string) {
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
}

// sentPassword returns the password a request's JSON body carried, if any.
func sentPassword(body []byte) string {
	var sent struct {
		Password string `json:"password"`
	}
	if json.Unmarshal(body, &sent) != nil {
		return ""
	}
	return sent.Password
}
