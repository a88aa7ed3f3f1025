package apiclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

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

// Bounds of the pages ListUsers asks together.
const (
	// MaxListPageSize is the most users one page of the parallel walk asks
	// for (the documented example's limit).
	MaxListPageSize = 1000
	// listPageBytes is the response size the parallel walk aims each page
	// at, from the first page's bytes per user: well under the gateway's
	// 6 MB cap, so that a larger page does not meet the size cap.
	listPageBytes = 3 << 20
	// defaultListWidth is how many pages are asked together by a client
	// without WithConcurrency.
	defaultListWidth = 30
)

// lister is one ListUsers walk.
type lister struct {
	c     *Client
	org   string
	fn    func([]encompass.User) error
	pages atomic.Int64 // answers received (size-cap refusals not counted)
	mu    sync.Mutex   // fn is called with one page at a time
}

func (l *lister) deliver(page []encompass.User) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fn(page)
}

// listPage is one answer of the users list.
type listPage struct {
	users []encompass.User
	end   bool  // empty or 204: nothing at or past its start
	total int   // X-Total-Count, -1 when absent
	bytes int64 // body bytes
}

// get asks one page; errors (the size cap included) are returned as they are.
func (l *lister) get(ctx context.Context, start, limit int) (listPage, error) {
	q := url.Values{
		"entities":    {"all"},
		"orgId":       {l.org},
		"isRecursive": {"true"},
		"start":       {strconv.Itoa(start)},
		"limit":       {strconv.Itoa(limit)},
	}
	var wire encompass.UserPage // decoded in one pass as it arrives (see encompass.UserPage)
	resp, err := l.c.getWithRetry(ctx, PathUsers, q, &wire)
	if err != nil {
		return listPage{}, err
	}
	l.pages.Add(1)
	p := listPage{users: wire.Users(), total: -1, bytes: resp.BodyBytes}
	p.end = len(p.users) == 0 || resp.StatusCode == http.StatusNoContent
	if t, err := strconv.Atoi(resp.Header.Get(HeaderTotalCount)); err == nil && t >= 0 {
		p.total = t
	}
	return p, nil
}

func repeatedPageError(start int, page []encompass.User) error {
	return fmt.Errorf("listing users: the server answered start=%d with the same page as before (%d users, %s to %s); it seems to ignore start, so the list would never end", start, len(page), page[0].ID, page[len(page)-1].ID)
}

func (l *lister) run(ctx context.Context) error {
	limit, start := l.c.pageSize, 0
	var first listPage
firstPage:
	for {
		p, err := l.get(ctx, start, limit)
		switch {
		case err == nil:
		case IsResponseTooLarge(err):
			if limit, err = halved(limit, start, err); err != nil {
				return err
			}
			continue
		case start == 0 && l.pages.Load() == 0 && IsStatus(err, http.StatusBadRequest):
			start = 1 // the server counts from 1
			continue
		default:
			return fmt.Errorf("listing users from %d: %w", start, err)
		}
		first = p
		break firstPage
	}
	if first.end {
		return nil
	}
	if err := l.deliver(first.users); err != nil {
		return err
	}
	seen, next := len(first.users), start+len(first.users)
	if first.total >= 0 && seen >= first.total {
		return nil // a total count saves the final empty page
	}
	if first.total > seen && len(first.users) == limit {
		return l.parallel(ctx, next, limit, seen, first)
	}
	return l.sequential(ctx, next, limit, seen, ids(first.users))
}

// sequential walks on one page at a time from start; seen users were
// listed before, the last page's ids are prev.
func (l *lister) sequential(ctx context.Context, start, limit, seen int, prev []string) error {
	for {
		p, err := l.get(ctx, start, limit)
		switch {
		case err == nil:
		case IsResponseTooLarge(err):
			if limit, err = halved(limit, start, err); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("listing users from %d: %w", start, err)
		}
		if p.end {
			return nil
		}
		if sameIDs(p.users, prev) {
			return repeatedPageError(start, p.users)
		}
		prev = ids(p.users)
		if err := l.deliver(p.users); err != nil {
			return err
		}
		start += len(p.users)
		seen += len(p.users)
		if p.total >= 0 && seen >= p.total {
			return nil
		}
	}
}

// listSlot is one range of the list the parallel walk asks for, and what
// came back for it.
type listSlot struct {
	start, want int
	got         int      // users received
	firstIDs    []string // the ids of its first page and of its last
	lastIDs     []string
	last        bool // the last range: its pages are asked full, to see a list that grew
	ended       bool // the list ended inside the range (empty page or 204)
	total       int  // the last X-Total-Count seen, -1 none
}

// parallel lists the users from start on, first being the first page
// (full, with a total above seen): the remaining total-seen users are cut
// into ranges of one page each, asked together (as many at a time as the
// client's concurrency limit allows). A range's page is asked with the
// first page's limit, or larger when that spreads the rest over fewer
// waves (at most MaxListPageSize users and listPageBytes by the first
// page's size per user; never after the size cap halved the limit). Each
// range is walked by the sequential rules from where it is: a page shorter
// than asked is followed by one from where it ended, the size cap halves
// that range's limit, an empty page or a 204 ends it. Ranges never
// overlap, so no user is listed twice and none is skipped. Then the pages
// are held in order against the repeated-page rule, and when the last
// range was full and a total says the list grew, the walk goes on one page
// at a time.
func (l *lister) parallel(ctx context.Context, start, limit, seen int, first listPage) error {
	width := l.c.ConcurrencyLimit()
	if width <= 0 {
		width = defaultListWidth
	}
	rest := first.total - seen
	per := limit
	if limit == l.c.pageSize && first.bytes > 0 {
		most := MaxListPageSize
		if perUser := first.bytes / int64(len(first.users)); perUser > 0 {
			most = min(most, int(listPageBytes/perUser))
		}
		per = max(limit, min(most, (rest+width-1)/width))
	}
	slots := make([]*listSlot, (rest+per-1)/per)
	for k := range slots {
		slots[k] = &listSlot{start: start + k*per, want: min(per, rest-k*per), total: -1}
	}
	slots[len(slots)-1].last = true
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(width)
	for _, s := range slots {
		g.Go(func() error { return l.walkSlot(gctx, s, per) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	prev := ids(first.users)
	total := first.total
	for _, s := range slots {
		if s.got > 0 {
			if slices.Equal(s.firstIDs, prev) {
				return repeatedPageError(s.start, idUsers(s.firstIDs))
			}
			prev = s.lastIDs
		}
		seen += s.got
		total = max(total, s.total)
		if s.ended {
			return nil // the list ends here, as a walk one page at a time would have found
		}
	}
	last := slots[len(slots)-1]
	if seen >= total {
		return nil
	}
	return l.sequential(ctx, last.start+last.got, per, seen, prev)
}

// walkSlot lists slot s, one page at a time from its start, until it has
// s.want users or the list ends.
func (l *lister) walkSlot(ctx context.Context, s *listSlot, limit int) error {
	var prev []string
	for s.got < s.want {
		at := s.start + s.got
		ask := limit
		if !s.last {
			ask = min(limit, s.want-s.got) // never into the next range
		}
		p, err := l.get(ctx, at, ask)
		switch {
		case err == nil:
		case IsResponseTooLarge(err):
			if limit, err = halved(ask, at, err); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("listing users from %d: %w", at, err)
		}
		s.total = max(s.total, p.total)
		if p.end {
			s.ended = true
			return nil
		}
		if sameIDs(p.users, prev) {
			return repeatedPageError(at, p.users)
		}
		prev = ids(p.users)
		if s.firstIDs == nil {
			s.firstIDs = prev
		}
		s.lastIDs = prev
		if err := l.deliver(p.users); err != nil {
			return err
		}
		s.got += len(p.users)
	}
	return nil
}

func ids(page []encompass.User) []string {
	out := make([]string, len(page))
	for i := range page {
		out[i] = page[i].ID
	}
	return out
}

func idUsers(ids []string) []encompass.User {
	out := make([]encompass.User, len(ids))
	for i, id := range ids {
		out[i].ID = id
	}
	return out
}

// sameIDs reports whether a page holds exactly the users of the previous one.
func sameIDs(page []encompass.User, prev []string) bool {
	if len(page) == 0 || len(page) != len(prev) {
		return false
	}
	for i := range page {
		if page[i].ID != prev[i] {
			return false
		}
	}
	return true
}

// halved is the page size to ask again with after the gateway refused a
// page from start as too large, or an error when one user already is.
func halved(limit, start int, err error) (int, error) {
	if limit/2 < 1 {
		return 0, fmt.Errorf("listing users from %d: even a page of one user exceeds the response size cap: %w", start, err)
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
