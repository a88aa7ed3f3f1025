package apiclient

// This file tolerates the variants of the transport's own JSON (see
// docs/encompass-api.md, "Evidence"): nested errors under "errors" or
// "error", and the introspection's exp and active as numbers or strings.
// The user model's variants are decoded in package encompass.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// UnmarshalJSON takes the nested list from "errors" or "error" (the vendor's
// bindings name it error). An OAuth-style string "error" (with
// "error_description") fills ErrorCode and Details when those are empty.
func (e *ErrorBody) UnmarshalJSON(b []byte) error {
	type plain ErrorBody
	*e = ErrorBody{}
	w := struct {
		*plain
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
	}{plain: (*plain)(e)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	raw := bytes.TrimSpace(w.Error)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '[':
		var nested []ErrorBody
		if err := json.Unmarshal(raw, &nested); err != nil {
			return err
		}
		if len(e.Errors) == 0 {
			e.Errors = nested
		}
	case '{':
		var one ErrorBody
		if err := json.Unmarshal(raw, &one); err != nil {
			return err
		}
		if len(e.Errors) == 0 {
			e.Errors = []ErrorBody{one}
		}
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		if e.ErrorCode == "" {
			e.ErrorCode = s
		}
		if e.Details == "" {
			e.Details = w.Description
		}
	}
	return nil
}

// UnmarshalJSON accepts exp as a number or a string, and active as a
// boolean or the string "true"/"false".
func (t *TokenInfo) UnmarshalJSON(b []byte) error {
	type plain TokenInfo
	*t = TokenInfo{}
	w := struct {
		*plain
		Active json.RawMessage `json:"active"`
		Exp    json.RawMessage `json:"exp"`
	}{plain: (*plain)(t)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if a := strings.Trim(string(w.Active), `" `); a != "" && a != "null" {
		v, err := strconv.ParseBool(a)
		if err != nil {
			return fmt.Errorf("introspection: active %q is not a boolean", a)
		}
		t.Active = v
	}
	if x := strings.Trim(string(w.Exp), `" `); x != "" && x != "null" {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			fl, ferr := strconv.ParseFloat(x, 64)
			if ferr != nil {
				return errors.New("introspection: exp is not a number")
			}
			n = int64(fl)
		}
		t.Exp = n
	}
	return nil
}
