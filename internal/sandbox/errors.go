package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

// apiError is an Encompass application error about to be written
// (Server.fail in dialect.go writes it in the server's dialect).
type apiError struct {
	Status  int
	Code    string
	Details string
	Errors  []apiclient.ErrorBody
}

func errf(status int, code, details string) *apiError {
	return &apiError{Status: status, Code: code, Details: details}
}

// violationsError turns broken rules into one 400 whose errorCode is the
// first violation's and whose nested errors list them all.
func violationsError(vs []encompass.Violation) *apiError {
	e := &apiError{Status: http.StatusBadRequest, Code: vs[0].Code}
	msgs := make([]string, 0, len(vs))
	for _, v := range vs {
		msgs = append(msgs, v.Error())
		e.Errors = append(e.Errors, apiclient.ErrorBody{Summary: v.Field, Details: v.Error(), ErrorCode: v.Code})
	}
	e.Details = strings.Join(msgs, "; ")
	return e
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"summary":"Internal Server Error","details":"could not encode the answer","errorCode":"`+encompass.CodeServerError+`"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
