package sandbox

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/encimport/encimport/apiclient"
	"github.com/encimport/encimport/encompass"
)

// Options configure a sandbox. The zero value serves the default world with
// the documented limits and no faults.
type Options struct {
	World               *World        // nil = DefaultWorld()
	StatePath           string        // if set: load the world from this JSON file if it exists (else write the world there) and persist every change to it
	Latency             time.Duration // added to every API call while it holds a concurrency slot
	ConcurrencyLimit    int           // default 30: calls in flight per instance, shared by all clients
	TokenTTL            time.Duration // default 30m; extended on use, at most 24h after issue
	FailRate            float64       // share of API calls answered 500 or 503 before applying
	DropAfterCommitRate float64       // share of write calls (POST/PATCH) applied, then the connection closed with no answer
	Seed                int64         // seeds the fault randomness
	Logger              *slog.Logger  // optional; one line per request, never a secret
	Dialect             string        // "vendor" (default; "" means vendor) or "legacy": the wire shapes (dialect.go)
	MaxResponseBytes    int           // default 6 MB: a read whose answer is larger is answered 400 "Response exceeds maximum size"
}

// Stats count what the sandbox saw since start or the last ResetStats.
// Creates, Patches and Moves count applied changes; Gets and Lists count
// user reads that reached the handler (any answer).
type Stats struct {
	Requests       int64 // every HTTP request, token calls included
	Creates        int64
	Patches        int64
	Moves          int64 // move calls applied (not users moved)
	Gets           int64
	Lists          int64
	TokenRequests  int64 // POST /oauth2/v1/token only
	Introspections int64
	Revocations    int64
	Conflicts409   int64
	TooMany429     int64
	Faults5xx      int64 // injected 500/503 answers
	Drops          int64 // writes applied, then the connection closed
	MaxInFlight    int64 // most API calls (and held slots) in flight at once
	ByStatus       map[int]int64
}

// Server is a fake Encompass; it is an http.Handler.
type Server struct {
	log      *slog.Logger
	now      func() time.Time
	limit    int
	ttl      time.Duration
	latency  time.Duration
	mux      *http.ServeMux
	statPath string
	changes  changeLog // the state file's log of changes since its last snapshot (state.go)
	vendor   bool      // the dialect: vendor (true) or legacy
	maxResp  int

	mu    sync.RWMutex // guards the world below
	world *World       // organizations, personas, clients, defaults; Users is rebuilt on save
	users map[string]*encompass.User
	// sorted is users in id order, made by sortedUsers on first need and
	// dropped (under mu's write lock) when a user is added: a list call
	// of 250,000 users no longer sorts them all for each page.
	sortMu   sync.Mutex
	sorted   []*encompass.User
	orgs     map[string]*orgNode
	personas map[string]encompass.Persona
	groups   map[string]Group

	tokMu  sync.Mutex
	tokens map[string]*token

	slotMu   sync.Mutex
	inFlight int

	faultMu  sync.Mutex
	rng      *mrand.Rand
	failRate float64
	dropRate float64

	statMu sync.Mutex
	stats  Stats
}

// New builds a sandbox from opts.
func New(opts Options) (*Server, error) {
	s := &Server{
		log:      opts.Logger,
		now:      time.Now,
		limit:    opts.ConcurrencyLimit,
		ttl:      opts.TokenTTL,
		latency:  opts.Latency,
		statPath: opts.StatePath,
		tokens:   map[string]*token{},
		rng:      mrand.New(mrand.NewPCG(uint64(opts.Seed), 0x5eed)),
		failRate: opts.FailRate,
		dropRate: opts.DropAfterCommitRate,
		stats:    Stats{ByStatus: map[int]int64{}},
		maxResp:  opts.MaxResponseBytes,
	}
	vendor, err := parseDialect(opts.Dialect)
	if err != nil {
		return nil, err
	}
	s.vendor = vendor
	if s.maxResp <= 0 {
		s.maxResp = DefaultMaxResponseBytes
	}
	if s.limit <= 0 {
		s.limit = DefaultConcurrency
	}
	if s.ttl <= 0 {
		s.ttl = 30 * time.Minute
	}
	if opts.FailRate < 0 || opts.FailRate > 1 || opts.DropAfterCommitRate < 0 || opts.DropAfterCommitRate > 1 {
		return nil, fmt.Errorf("sandbox: fail rate %v and drop-after-commit rate %v must be between 0 and 1", opts.FailRate, opts.DropAfterCommitRate)
	}
	w := opts.World
	if w == nil {
		w = DefaultWorld()
	} else {
		w = w.Clone()
	}
	save := false
	if opts.StatePath != "" {
		loaded, err := loadWorld(opts.StatePath)
		switch {
		case err == nil:
			w = loaded
		case errors.Is(err, errNoState):
			save = true
		default:
			return nil, err
		}
	}
	if err := s.setWorld(w); err != nil {
		where := "world"
		if opts.StatePath != "" && !save {
			where = "state file " + opts.StatePath
		}
		return nil, fmt.Errorf("sandbox: %s: %w", where, err)
	}
	if opts.StatePath != "" {
		// A fresh snapshot: the default world for a new file, or the loaded
		// one with its log of changes folded in.
		if err := s.saveLocked(); err != nil {
			return nil, err
		}
	}
	s.routes()
	return s, nil
}

// setWorld indexes w and normalises its users.
func (s *Server) setWorld(w *World) error {
	if w.InstanceID == "" {
		return errors.New("instanceId is required")
	}
	orgs, err := indexOrgs(w.Organizations)
	if err != nil {
		return err
	}
	if err := checkFolders(w); err != nil {
		return err
	}
	s.world, s.orgs = w, orgs
	s.personas = map[string]encompass.Persona{}
	for _, p := range w.Personas {
		s.personas[p.ID] = p
	}
	s.groups = map[string]Group{}
	for _, g := range w.Groups {
		s.groups[g.ID] = g
	}
	s.users, s.sorted = map[string]*encompass.User{}, nil
	for i := range w.Users {
		u := cloneUser(&w.Users[i])
		key := strings.ToLower(u.ID)
		if _, dup := s.users[key]; dup {
			return fmt.Errorf("user %q appears twice", u.ID)
		}
		if u.Organization == nil || s.orgs[u.Organization.EntityID] == nil {
			return fmt.Errorf("user %q: organization missing or unknown", u.ID)
		}
		if err := s.resolveRefs(u); err != nil {
			return fmt.Errorf("user %q: %s", u.ID, err.Details)
		}
		if vs := encompass.CheckUser(u, false, "", w.Defaults); len(vs) > 0 {
			return fmt.Errorf("user %q: %s", u.ID, vs[0].Error())
		}
		s.normalise(u)
		s.users[key] = u
	}
	for _, c := range w.Clients {
		if c.ClientID == "" || c.Secret == "" {
			return errors.New("every OAuth client needs clientId and secret")
		}
		if s.users[strings.ToLower(c.APIUserID)] == nil {
			return fmt.Errorf("client %q acts as unknown user %q", c.ClientID, c.APIUserID)
		}
	}
	s.world.Users = nil
	return nil
}

// Running is a sandbox served on a loopback port.
type Running struct {
	URL    string  // base URL, e.g. http://127.0.0.1:40123
	Server *Server // for inspection and control
	ts     *httptest.Server
}

// Login is the apiclient option that logs in to the default world as
// userID (every seeded user's password is DefaultPassword).
func Login(userID string) apiclient.Option {
	return apiclient.WithUserLogin(DefaultInstanceID, userID, DefaultPassword, DefaultClientID, DefaultClientSecret)
}

// Close shuts the listener down and waits for calls in flight.
func (r *Running) Close() {
	r.ts.Close()
	if err := r.Server.Flush(); err != nil && r.Server.log != nil {
		r.Server.log.Error("sandbox: could not write the state file", "err", err)
	}
}

// Start serves New(opts) on 127.0.0.1 at a free port.
func Start(opts Options) (*Running, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ts := httptest.NewServer(s)
	return &Running{URL: ts.URL, Server: s, ts: ts}, nil
}

type ctxKey struct{}

// callerID is the authenticated user id of an API request.
func callerID(r *http.Request) string {
	id, _ := r.Context().Value(ctxKey{}).(string)
	return id
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc(apiclient.PathUsers, s.handleUsers)
	m.HandleFunc(apiclient.PathUsers+"/{id}", s.handleUser)
	m.HandleFunc(apiclient.PathOrganizations+"/{id}", s.handleOrg)
	m.HandleFunc(apiclient.PathOrganizations+"/{id}/children", s.handleOrgChildren)
	m.HandleFunc(apiclient.PathOrganizations, s.handleOrgList)
	m.HandleFunc(apiclient.PathPersonas, s.handlePersonas)
	m.HandleFunc(PathLoanFolders, s.handleLoanFolders)
	m.HandleFunc(PathLoanFoldersV1, s.handleLoanFolders)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, http.StatusNotFound, encompass.CodeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	s.mux = m
}

func (s *Server) bump(f func(*Stats)) {
	s.statMu.Lock()
	f(&s.stats)
	s.statMu.Unlock()
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.statMu.Lock()
	defer s.statMu.Unlock()
	st := s.stats
	st.ByStatus = maps.Clone(s.stats.ByStatus)
	return st
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.statMu.Lock()
	s.stats = Stats{ByStatus: map[int]int64{}}
	s.statMu.Unlock()
}

// Hold occupies n concurrency slots, as another client of the same lender
// would, until release is called (release is idempotent).
func (s *Server) Hold(n int) (release func()) {
	if n <= 0 {
		return func() {}
	}
	s.acquire(n)
	var once sync.Once
	return func() { once.Do(func() { s.release(n) }) }
}

// SetFaults changes the fail and drop-after-commit rates (clamped to 0..1).
func (s *Server) SetFaults(failRate, dropRate float64) {
	s.faultMu.Lock()
	s.failRate = min(max(failRate, 0), 1)
	s.dropRate = min(max(dropRate, 0), 1)
	s.faultMu.Unlock()
}

// User returns the user with this id (ignoring case), as the API shows it.
func (s *Server) User(id string) (encompass.User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[strings.ToLower(id)]
	if u == nil {
		return encompass.User{}, false
	}
	return *publicUser(u), true
}

// Users returns every user as the API shows them, sorted by id.
func (s *Server) Users() []encompass.User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]encompass.User, 0, len(s.users))
	for _, u := range s.sortedUsers() {
		out = append(out, *publicUser(u))
	}
	return out
}

// sortedUsers lists the stored users by id, ignoring case. Callers hold s.mu
// (read or write) and do not change the list.
func (s *Server) sortedUsers() []*encompass.User {
	s.sortMu.Lock()
	defer s.sortMu.Unlock()
	if s.sorted != nil && len(s.sorted) == len(s.users) {
		return s.sorted
	}
	type keyed struct {
		low string
		u   *encompass.User
	}
	ks := make([]keyed, 0, len(s.users))
	for _, u := range s.users {
		ks = append(ks, keyed{strings.ToLower(u.ID), u})
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].low != ks[j].low {
			return ks[i].low < ks[j].low
		}
		return ks[i].u.ID < ks[j].u.ID
	})
	us := make([]*encompass.User, len(ks))
	for i, k := range ks {
		us[i] = k.u
	}
	s.sorted = us
	return us
}
