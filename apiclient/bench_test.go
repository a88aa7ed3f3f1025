package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/encimport/encimport/encompass"
)

// BenchmarkGetUserParallel measures the client's own overhead per call
// (token cache, request building, header parsing, JSON decoding) against a
// loopback server, with many goroutines sharing one Client.
func BenchmarkGetUserParallel(b *testing.B) {
	srv := newBenchServer(b)
	c, err := New(srv.URL, withTokenSource(&staticTokens{}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := c.GetUser(ctx, "ann"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func newBenchServer(b *testing.B) *httptest.Server {
	b.Helper()
	body := []byte(`{"id":"ann","firstName":"Ann","lastName":"Lee","email":"ann@example.com","personas":[{"entityId":"3"}],"organization":{"entityId":"2"}}`)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(HeaderConcurrencyLimit, "30")
		w.Header().Set(HeaderConcurrencyRemaining, "29")
		_, _ = w.Write(body)
	}))
	b.Cleanup(s.Close)
	return s
}

// BenchmarkDecodeUsersPage decodes one default-size page of whole users
// (entities=all: 57 licenses, personas and groups, numeric ids, ccSite as an
// array, dates with a time part): the cost a plan pays for every page of the
// instance's users (20k users are 80 pages).
func BenchmarkDecodeUsersPage(b *testing.B) {
	page := usersPageJSON(b, DefaultListPageSize)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		var wire encompass.UserPage // as ListUsers decodes a page
		if err := json.Unmarshal(page, &wire); err != nil {
			b.Fatal(err)
		}
		users := wire.Users()
		if len(users) != DefaultListPageSize || users[0].Organization.EntityID != "12" {
			b.Fatalf("decoded %d users", len(users))
		}
	}
}

func usersPageJSON(b *testing.B, n int) []byte {
	b.Helper()
	states := []string{"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
		"ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
		"SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "GU", "PR", "VI", "AS", "MP", "UM"}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, `{"id":"user%05d","firstName":"First%d","lastName":"Last%d","fullName":"First%d Last%d","email":"user%d@example.com",`+
			`"phone":"303-555-0100","workingFolder":"My Pipeline","nmlsOriginatorID":"%d","nmlsExpirationDate":"2027-12-31T00:00:00Z",`+
			`"peerLoanAccess":"readOnly","subordinateLoanAccess":"ReadWrite","accountEnabled":true,"loginEnabled":true,`+
			`"organization":{"entityId":12,"entityType":"Organization","entityName":"Denver Branch"},`+
			`"personas":[{"entityId":7,"entityType":"Persona","entityName":"Loan Officer"},{"entityId":8,"entityType":"Persona","entityName":"Loan Processor"}],`+
			`"groups":[{"entityId":31,"entityType":"UserGroup","entityName":"West LOs"}],`+
			`"ccSite":[{"siteId":"4455","url":"https://cc.example.com/u","useParentInformation":false}],"licenses":[`,
			i, i, i, i, i, i, 100000+i)
		for j, s := range states {
			if j > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"state":"%s","selected":%t,"license":"LIC-%s-%d","expirationDate":"2027-12-31T00:00:00Z","enabled":true,"statusDate":"2024-01-01T00:00:00Z"}`,
				s, j%5 == 0, s, i)
		}
		buf.WriteString(`]}`)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}
