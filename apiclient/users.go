package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// CreateUser creates u: POST /encompass/v3/users?orgId=<orgID>&view=id (orgId
// omitted when orgID is ""). Not retried; see the package doc.
func (c *Client) CreateUser(ctx context.Context, orgID string, u *User) (*Response, error) {
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

// GetUser reads one user: GET /encompass/v3/users/{id} ("me" is the caller).
// Transient failures are retried (WithRetry).
func (c *Client) GetUser(ctx context.Context, id string) (*User, *Response, error) {
	if id == "" {
		return nil, nil, errors.New("apiclient: GetUser: empty user id")
	}
	var u User
	resp, err := c.getWithRetry(ctx, userPath(id), nil, &u)
	if err != nil {
		return nil, resp, err
	}
	return &u, resp, nil
}

// ListUsers walks every user of the instance, page by page: GET
// /encompass/v3/users?orgId=0&isRecursive=true&start=N&limit=<page size>,
// until a short or empty page, calling fn with each non-empty page. It
// returns the number of pages fetched. Each page's transient failures are
// retried (WithRetry); an error from fn stops the walk and is returned.
func (c *Client) ListUsers(ctx context.Context, fn func(page []User) error) (pages int, err error) {
	if fn == nil {
		return 0, errors.New("apiclient: ListUsers: nil page function")
	}
	limit := c.pageSize
	for start := 0; ; start += limit {
		q := url.Values{
			"orgId":       {RootOrgID},
			"isRecursive": {"true"},
			"start":       {strconv.Itoa(start)},
			"limit":       {strconv.Itoa(limit)},
		}
		var page []User
		resp, err := c.getWithRetry(ctx, PathUsers, q, &page)
		if err != nil {
			return pages, fmt.Errorf("apiclient: listing users from %d: %w", start, err)
		}
		pages++
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return pages, err
			}
		}
		if len(page) < limit {
			return pages, nil
		}
		// A total count, when the server gives one, saves the final empty page.
		if total, err := strconv.Atoi(resp.Header.Get(HeaderTotalCount)); err == nil && start+len(page) >= total {
			return pages, nil
		}
	}
}

// Organizations reads the whole organization tree: GET
// /encompass/v1/organizations/root?view=hierarchy. Transient failures are retried.
func (c *Client) Organizations(ctx context.Context) (*Organization, *Response, error) {
	var root Organization
	resp, err := c.getWithRetry(ctx, PathOrganizations+"/root", url.Values{"view": {"hierarchy"}}, &root)
	if err != nil {
		return nil, resp, err
	}
	return &root, resp, nil
}

// Personas lists the instance's personas: GET /encompass/v1/settings/personas.
// Transient failures are retried.
func (c *Client) Personas(ctx context.Context) ([]Persona, *Response, error) {
	var ps []Persona
	resp, err := c.getWithRetry(ctx, PathPersonas, nil, &ps)
	if err != nil {
		return nil, resp, err
	}
	return ps, resp, nil
}

func userPath(id string) string { return PathUsers + "/" + url.PathEscape(id) }
