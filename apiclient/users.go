package apiclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/encimport/encimport/encompass"
)

// CreateUser creates u: POST /encompass/v3/users?orgId=<orgID>&view=id (orgId
// omitted when orgID is ""). Not retried; see the package doc.
func (c *Client) CreateUser(ctx context.Context, orgID string, u *encompass.User) (*Response, error) {
	if u == nil {
		return nil, errors.New("apiclient: CreateUser: nil user")
	}
	q := url.Values{"view": {"id"}}
	if orgID != "" {
		q.Set("orgId", orgID)
	}
	req, err := c.NewRequest(ctx, http.MethodPost, PathUsers, q, u)
	if err != nil {
		return nil, err
	}
	return c.Do(req, nil)
}

// PatchUser sends a partial update: PATCH /encompass/v3/users/{id}. body is
// usually a map[string]json.RawMessage keyed by the Field constants (JSON null
// clears a string). Not retried; see the package doc.
func (c *Client) PatchUser(ctx context.Context, id string, body any) (*Response, error) {
	if id == "" {
		return nil, errors.New("apiclient: PatchUser: empty user id")
	}
	req, err := c.NewRequest(ctx, http.MethodPatch, userPath(id), nil, body)
	if err != nil {
		return nil, err
	}
	return c.Do(req, nil)
}

// MoveUsers moves users between organizations in one call: PATCH
// /encompass/v3/users?action=move&sourceOrgId=&targetOrgId= with body
// [{"id":"a"},{"id":"b"}]. Not retried; see the package doc.
func (c *Client) MoveUsers(ctx context.Context, sourceOrgID, targetOrgID string, ids []string) (*Response, error) {
	if len(ids) == 0 {
		return nil, errors.New("apiclient: MoveUsers: no user ids")
	}
	items := make([]MoveItem, len(ids))
	for i, id := range ids {
		items[i] = MoveItem{ID: id}
	}
	q := url.Values{
		"action":      {MoveAction},
		"sourceOrgId": {sourceOrgID},
		"targetOrgId": {targetOrgID},
	}
	req, err := c.NewRequest(ctx, http.MethodPatch, PathUsers, q, items)
	if err != nil {
		return nil, err
	}
	return c.Do(req, nil)
}

// GetUser reads one user whole: GET /encompass/v3/users/{id}?entities=all
// ("me" is the caller). Transient failures are retried (WithRetry).
func (c *Client) GetUser(ctx context.Context, id string) (*encompass.User, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("apiclient: GetUser: empty user id")
	}
	var u encompass.User
	resp, err := c.getWithRetry(ctx, userPath(id), url.Values{"entities": {"all"}}, &u)
	if err != nil {
		return nil, resp, err
	}
	return &u, resp, nil
}

// ListUsers walks every user of the organization orgID ("" is
// encompass.RootOrgID) and below, page by page: GET /encompass/v3/users?
// entities=all&orgId=&isRecursive=true&start=N&limit=<page size>, calling fn
// with each non-empty page, and returns the number of pages received.
//
// The first page is asked alone. start begins at 0 (a server that refuses 0
// with a 400 is asked again from 1) and advances by the length of the page
// received, so a page the server shortened is never skipped past. The walk
// ends on an empty page, a 204, or when X-Total-Count is reached. A 400
// "Response exceeds maximum size" halves the limit and asks the same start
// again (an error once the limit would drop below 1). A page repeating the
// previous one ends the walk with an error (a server ignoring start would be
// paged for ever). Each page's transient failures are retried (WithRetry);
// an error from fn stops the walk and is returned.
//
// When the first page comes back full and with X-Total-Count, the rest are
// asked together (see lister.parallel), each decoded as it arrives: fn is
// still called with one page at a time, but those pages come in any order.
// Without a total, or after a first page shorter than asked, the walk goes
// on one page at a time.
func (c *Client) ListUsers(ctx context.Context, orgID string, fn func(page []encompass.User) error) (pages int, err error) {
	if fn == nil {
		return 0, errors.New("apiclient: ListUsers: nil page function")
	}
	l := &lister{c: c, org: cmp.Or(orgID, encompass.RootOrgID), fn: fn}
	err = l.run(ctx)
	return int(l.pages.Load()), err
}

// halved is the page size to ask again with after the gateway refused a
// page as too large, or an error when one user already is.
func halved(limit int, err error) (int, error) {
	if limit/2 < 1 {
		return 0, fmt.Errorf("even a page of one user exceeds the response size cap: %w", err)
	}
	return limit / 2, nil
}

// IsResponseTooLarge reports whether err is the gateway's 400 for a response
// over its size cap ({"message":"Response exceeds maximum size (6 MB)"}).
func IsResponseTooLarge(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest {
		return false
	}
	for _, s := range []string{e.Details, e.Summary} {
		if containsFold(s, ResponseTooLargeMessage) {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// Organizations returns every organization as a flat list, each with
// ParentOrg (nil or an empty EntityID for the root) and without Children,
// and the number of requests it made (a request repeated after a transient
// failure counts once). It pages GET
// /encompass/v1/organizations?start=1&limit=1000 (start advancing by the
// page's length, until a short or empty page or a 204). When that endpoint
// answers 404 it walks GET /encompass/v1/organizations/root?view=hierarchy
// instead: nested children are taken as they are, an Organization reference
// without children is read with /{id}?view=hierarchy, and User references
// are skipped; ParentOrg is then set from where each organization was found.
// Transient failures are retried.
func (c *Client) Organizations(ctx context.Context) (orgs []encompass.Organization, calls int, err error) {
	seen := map[string]bool{}
	for start := 1; ; {
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {strconv.Itoa(OrgListPageSize)}}
		var page []encompass.Organization
		resp, err := c.getWithRetry(ctx, PathOrganizations, q, &page)
		calls++
		if IsNotFound(err) && start == 1 {
			return c.orgsFromHierarchy(ctx, calls)
		}
		if err != nil {
			return nil, calls, fmt.Errorf("listing organizations from %d: %w", start, err)
		}
		added := 0
		for _, o := range page {
			if o.IsUser() || seen[o.ID] {
				continue
			}
			seen[o.ID] = true
			o.Children = nil
			orgs = append(orgs, o)
			added++
		}
		// added == 0 guards against a server that ignores start.
		if resp.StatusCode == http.StatusNoContent || len(page) < OrgListPageSize || added == 0 {
			return orgs, calls, nil
		}
		start += len(page)
	}
}

// orgsFromHierarchy is the fallback of Organizations; calls counts the
// calls made before it.
func (c *Client) orgsFromHierarchy(ctx context.Context, calls int) ([]encompass.Organization, int, error) {
	hier := url.Values{"view": {"hierarchy"}}
	var root encompass.Organization
	if _, err := c.getWithRetry(ctx, PathOrganizations+"/root", hier, &root); err != nil {
		return nil, calls + 1, err
	}
	calls++
	var out []encompass.Organization
	seen := map[string]bool{}
	var walk func(o encompass.Organization, parent *encompass.EntityRef) error
	walk = func(o encompass.Organization, parent *encompass.EntityRef) error {
		if o.IsUser() || seen[o.ID] {
			return nil
		}
		seen[o.ID] = true
		if o.EntityType != "" && len(o.Children) == 0 {
			// A reference: read the organization itself for its children.
			var full encompass.Organization
			calls++
			if _, err := c.getWithRetry(ctx, PathOrganizations+"/"+url.PathEscape(o.ID), hier, &full); err != nil {
				return fmt.Errorf("reading organization %s: %w", o.ID, err)
			}
			if full.Name == "" {
				full.Name = o.Name
			}
			full.ID = o.ID
			o = full
		}
		children := o.Children
		o.Children, o.EntityType = nil, ""
		if parent != nil {
			o.ParentOrg = parent
		}
		out = append(out, o)
		me := &encompass.EntityRef{EntityID: o.ID, EntityType: encompass.EntityTypeOrganization, EntityName: o.Name}
		for _, ch := range children {
			if err := walk(ch, me); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, nil); err != nil {
		return nil, calls, err
	}
	return out, calls, nil
}

// LoanFolders lists the loan folders: GET /encompass/v3/loanFolders, or GET
// /encompass/v1/loanFolders when the V3 path answers 404. Transient failures
// are retried.
func (c *Client) LoanFolders(ctx context.Context) ([]encompass.LoanFolder, *Response, error) {
	var fs []encompass.LoanFolder
	resp, err := c.getWithRetry(ctx, PathLoanFolders, nil, &fs)
	if IsNotFound(err) {
		fs = nil
		resp, err = c.getWithRetry(ctx, PathLoanFoldersV1, nil, &fs)
	}
	if err != nil {
		return nil, resp, err
	}
	return fs, resp, nil
}

// Personas lists the instance's personas: GET /encompass/v1/settings/personas.
// Transient failures are retried.
func (c *Client) Personas(ctx context.Context) ([]encompass.Persona, *Response, error) {
	var ps []encompass.Persona
	resp, err := c.getWithRetry(ctx, PathPersonas, nil, &ps)
	if err != nil {
		return nil, resp, err
	}
	return ps, resp, nil
}

func userPath(id string) string { return PathUsers + "/" + url.PathEscape(id) }
