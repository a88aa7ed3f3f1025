package apiclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
	"github.com/encimport/encimport/internal/sandbox"
)

// TestAgainstSandbox runs every endpoint against the local fake Encompass
// over loopback HTTP, in each of its dialects.
func TestAgainstSandbox(t *testing.T) {
	for _, d := range sandbox.Dialects {
		t.Run(d, func(t *testing.T) { testAgainstSandbox(t, d) })
	}
}

func testAgainstSandbox(t *testing.T, dialect string) {
	sb, err := sandbox.Start(sandbox.Options{Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var trace bytes.Buffer // used by one goroutine at a time
	c, err := apiclient.New(sb.URL,
		apiclient.WithUserLogin(sandbox.DefaultInstanceID, sandbox.BuiltinAdminID, sandbox.DefaultPassword, sandbox.DefaultClientID, sandbox.DefaultClientSecret),
		apiclient.WithPageSize(3), apiclient.WithTrace(&trace))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, secret := range []string{sandbox.DefaultPassword, sandbox.DefaultClientSecret, "Welcome-123"} {
			if strings.Contains(trace.String(), secret) {
				t.Errorf("the trace holds a secret (%q)", secret)
			}
		}
		if n := strings.Count(trace.String(), "\n"); n < 10 {
			t.Errorf("the trace has %d lines", n)
		}
	}()

	me, resp, err := c.GetUser(ctx, "me")
	if err != nil || me.ID != sandbox.BuiltinAdminID {
		t.Fatalf("GetUser(me) = %+v, %v", me, err)
	}
	if resp.CorrelationID == "" || resp.ConcurrencyLimit != sandbox.DefaultConcurrency {
		t.Errorf("response headers: correlation %q, concurrency limit %d", resp.CorrelationID, resp.ConcurrencyLimit)
	}

	orgs, _, err := c.Organizations(ctx)
	if err != nil || len(orgs) < 2 || orgs[0].Name != "Administration" || (orgs[0].ParentOrg != nil && orgs[0].ParentOrg.EntityID != "") {
		t.Fatalf("Organizations = %+v, %v; want the root first, then its descendants", orgs, err)
	}
	for _, o := range orgs[1:] {
		if o.ParentOrg == nil || o.ParentOrg.EntityID == "" || len(o.Children) != 0 || o.IsUser() {
			t.Errorf("organization %+v: want a parent and no children in the flat list", o)
		}
	}
	if m := me.Missing(); m != nil {
		t.Errorf("GetUser(me) misses %v: entities=all was not honoured", m)
	}
	folders, _, err := c.LoanFolders(ctx)
	if err != nil || len(folders) == 0 {
		t.Fatalf("LoanFolders = %v, %v", folders, err)
	}
	for _, f := range folders {
		if f.Name == "" || (f.FolderType != encompass.FolderTypeRegular && f.FolderType != encompass.FolderTypeArchive && f.FolderType != encompass.FolderTypeTrash) {
			t.Errorf("loan folder %+v", f)
		}
	}
	info, err := c.Introspect(ctx)
	if err != nil || !info.Active || info.InstanceID != sandbox.DefaultInstanceID {
		t.Errorf("Introspect = %+v, %v", info, err)
	}
	personas, _, err := c.Personas(ctx)
	if err != nil || len(personas) == 0 {
		t.Fatalf("Personas = %v, %v", personas, err)
	}

	listed := map[string]bool{}
	pages, err := c.ListUsers(ctx, "", func(p []encompass.User) error {
		for _, u := range p {
			listed[u.ID] = true
			if m := u.Missing(); m != nil {
				t.Errorf("listed user %s misses %v", u.ID, m)
			}
		}
		return nil
	})
	want := len(sb.Server.Users())
	if err != nil || len(listed) != want || pages < want/3 {
		t.Fatalf("ListUsers: %d users in %d pages, %v; want %d users", len(listed), pages, err, want)
	}

	newUser := &encompass.User{
		ID: "itest1", FirstName: "Ida", LastName: "Test", Email: "ida.test@example.com",
		Password: "Welcome-123", WorkingFolder: "My Pipeline",
		Personas: []encompass.EntityRef{{EntityID: sandbox.PersonaIDLoanOfficer}},
	}
	if _, err := c.CreateUser(ctx, sandbox.OrgDenverBranch, newUser); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := c.CreateUser(ctx, sandbox.OrgDenverBranch, newUser); !apiclient.IsStatus(err, http.StatusConflict) {
		t.Fatalf("second CreateUser = %v, want 409", err)
	}
	patch := map[string]json.RawMessage{encompass.FieldTitle: json.RawMessage(`"Senior LO"`)}
	if _, err := c.PatchUser(ctx, "itest1", patch); err != nil {
		t.Fatalf("PatchUser: %v", err)
	}
	if _, err := c.MoveUsers(ctx, sandbox.OrgDenverBranch, sandbox.OrgWestRegion, []string{"itest1"}); err != nil {
		t.Fatalf("MoveUsers: %v", err)
	}
	got, _, err := c.GetUser(ctx, "itest1")
	if err != nil || got.Title != "Senior LO" || got.Organization == nil || got.Organization.EntityID != sandbox.OrgWestRegion {
		t.Fatalf("GetUser(itest1) = %+v, %v; want the patched title and the moved org", got, err)
	}
	if _, _, err := c.GetUser(ctx, "nobody"); !apiclient.IsNotFound(err) {
		t.Errorf("GetUser(nobody) = %v, want 404", err)
	}
	if st := apiclient.Counters(c); st.TokenRequests != 1 || st.Retries != 0 {
		t.Errorf("stats %+v: want one token request and no retries", st)
	}
	if err := c.RevokeToken(ctx); err != nil {
		t.Errorf("RevokeToken: %v", err)
	}
	if _, _, err := c.GetUser(ctx, "me"); err != nil || apiclient.Counters(c).TokenRequests != 2 {
		t.Errorf("after RevokeToken: %v, %d token requests; want a new token", err, apiclient.Counters(c).TokenRequests)
	}

	// An API user logs in with client credentials.
	api, err := apiclient.New(sb.URL, apiclient.WithClientCredentials(sandbox.DefaultInstanceID, sandbox.DefaultClientID, sandbox.DefaultClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.Personas(ctx); err != nil {
		t.Errorf("client credentials: %v", err)
	}

	// A wrong password is fatal and not retried.
	bad, err := apiclient.New(sb.URL, apiclient.WithUserLogin(sandbox.DefaultInstanceID, sandbox.BuiltinAdminID, "wrong-pass", sandbox.DefaultClientID, sandbox.DefaultClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := bad.GetUser(ctx, "me"); !errors.Is(err, apiclient.ErrAuth) {
		t.Errorf("wrong password: %v, want ErrAuth", err)
	}
	if n := apiclient.Counters(bad).TokenRequests; n != 1 {
		t.Errorf("wrong password: %d token requests, want 1", n)
	}
}
