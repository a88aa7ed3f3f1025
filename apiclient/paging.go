package apiclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/encimport/encimport/encompass"
	"golang.org/x/sync/errgroup"
)

// The paging of ListUsers: the first page alone, then the rest one page at
// a time or, with a total, in ranges asked together.

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

// page asks one page from start, halving limit while the gateway refuses
// the answer as too large; it returns the page and the limit that worked.
func (l *lister) page(ctx context.Context, start, limit int) (listPage, int, error) {
	for {
		p, err := l.get(ctx, start, limit)
		if !IsResponseTooLarge(err) {
			return p, limit, err
		}
		if limit, err = halved(limit, err); err != nil {
			return p, limit, err
		}
	}
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
	first, limit, err := l.page(ctx, start, limit)
	if err != nil && start == 0 && l.pages.Load() == 0 && IsStatus(err, http.StatusBadRequest) && !IsResponseTooLarge(err) {
		start = 1 // the server counts from 1
		first, limit, err = l.page(ctx, start, limit)
	}
	if err != nil {
		return fmt.Errorf("listing users from %d: %w", start, err)
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
		p, lim, err := l.page(ctx, start, limit)
		if err != nil {
			return fmt.Errorf("listing users from %d: %w", start, err)
		}
		limit = lim
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
		p, got, err := l.page(ctx, at, ask)
		if err != nil {
			return fmt.Errorf("listing users from %d: %w", at, err)
		}
		if got < ask {
			limit = got // the size cap halved this range's pages
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
