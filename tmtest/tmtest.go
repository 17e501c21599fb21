// Package tmtest starts throwaway trafficmirror servers for tests, the way
// net/http/httptest starts HTTP servers: one line in a test gives a real
// in-process server of the Huawei Cloud VPC v3 traffic-mirroring API, on a
// random loopback port, with a fresh database, access key and project, gone
// when the test ends.
//
// Point Huawei's official Go SDK (or any other client) at it:
//
//	func TestMyCode(t *testing.T) {
//		srv := tmtest.NewServer(t)
//		cred := basic.NewCredentialsBuilder().
//			WithAk(srv.AccessKey).WithSk(srv.SecretKey).WithProjectId(srv.ProjectID).Build()
//		client := vpc.NewVpcClient(vpc.VpcClientBuilder().
//			WithEndpoints([]string{srv.Endpoint}).WithCredential(cred).Build())
//		// ... test code that uses client ...
//	}
//
// The server is the one "trafficmirror serve" runs, on SQLite, with the same
// validation, business rules, errors and signature checks.
package tmtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/trafficmirror/trafficmirror/internal/auth"
	"github.com/trafficmirror/trafficmirror/internal/mirror"
	"github.com/trafficmirror/trafficmirror/internal/server"
	"github.com/trafficmirror/trafficmirror/internal/sqlstore"
)

// Server is a running trafficmirror server with one access key, which may
// use one project.
type Server struct {
	// Endpoint is the server's base URL, such as http://127.0.0.1:41234:
	// the endpoint to give the SDK (VpcClientBuilder.WithEndpoints).
	Endpoint string
	// AccessKey and SecretKey are the key pair requests are signed with.
	AccessKey string
	SecretKey string
	// ProjectID is the project the key may use: the SDK's WithProjectId.
	ProjectID string

	httpServer *httptest.Server
	store      *sqlstore.Store
	dir        string // removed by Close when Start created it
	closing    sync.Once
	err        error
}

// Limits are the business limits of a server. A zero field keeps the
// default: 10 sources per session, 3 sessions per source, 10000 sessions
// and 10000 filters per project, 10 rules per filter and direction.
type Limits struct {
	SourcesPerSession       int
	SessionsPerSource       int
	SessionsPerProject      int
	FiltersPerProject       int
	RulesPerFilterDirection int
}

// Option configures a server.
type Option func(*options)

type options struct {
	limits    Limits
	projectID string
	logger    *slog.Logger
}

// WithLimits sets the server's business limits, for tests of what a client
// does when a quota is reached.
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithProjectID sets the project ID instead of a random one, for code that
// expects a fixed project.
func WithProjectID(id string) Option { return func(o *options) { o.projectID = id } }

// WithLogger sends the server's log (one line per request, and errors) to
// logger; by default it is discarded.
func WithLogger(logger *slog.Logger) Option { return func(o *options) { o.logger = logger } }

// NewServer starts a server for the test t and stops it, deleting its data,
// when t and its subtests are done. It fails t when the server cannot start.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t.TempDir(), false, opts)
	if err != nil {
		t.Fatalf("tmtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("tmtest: %v", err)
		}
	})
	return s
}

// Start starts a server outside a test, for example in TestMain to share
// one server among the tests of a package. The caller must Close it.
func Start(opts ...Option) (*Server, error) {
	dir, err := os.MkdirTemp("", "tmtest-")
	if err != nil {
		return nil, fmt.Errorf("create a directory for the database: %w", err)
	}
	s, err := start(dir, true, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func start(dir string, ownDir bool, opts []Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	limits := mirrorLimits(o.limits)
	if o.projectID == "" {
		id, err := auth.GenerateProjectID()
		if err != nil {
			return nil, err
		}
		o.projectID = id
	}
	cred, err := auth.GenerateCredential([]string{o.projectID})
	if err != nil {
		return nil, err
	}
	store, err := sqlstore.Open(context.Background(), filepath.Join(dir, "trafficmirror.db"), sqlstore.Options{Limits: limits})
	if err != nil {
		return nil, fmt.Errorf("open the database: %w", err)
	}
	handler := server.New(server.Config{
		Store:  store,
		Auth:   &auth.Verifier{Keys: auth.NewKeyring([]auth.Credential{cred})},
		Limits: limits,
		Logger: o.logger,
	})
	s := &Server{
		AccessKey:  cred.AccessKey,
		SecretKey:  cred.SecretKey,
		ProjectID:  o.projectID,
		httpServer: httptest.NewServer(handler),
		store:      store,
	}
	s.Endpoint = s.httpServer.URL
	if ownDir {
		s.dir = dir
	}
	return s, nil
}

// mirrorLimits returns l with the defaults for its zero fields.
func mirrorLimits(l Limits) mirror.Limits {
	m := mirror.DefaultLimits()
	for _, f := range []struct {
		dst *int
		v   int
	}{
		{&m.SourcesPerSession, l.SourcesPerSession},
		{&m.SessionsPerSource, l.SessionsPerSource},
		{&m.SessionsPerProject, l.SessionsPerProject},
		{&m.FiltersPerProject, l.FiltersPerProject},
		{&m.RulesPerFilterDirection, l.RulesPerFilterDirection},
	} {
		if f.v != 0 {
			*f.dst = f.v
		}
	}
	return m
}

// Close stops the server, waiting for the requests in flight, and deletes
// its data. Closing again does nothing and returns the first result.
func (s *Server) Close() error {
	s.closing.Do(func() {
		s.httpServer.Close()
		err := s.store.Close()
		if s.dir != "" {
			err = errors.Join(err, os.RemoveAll(s.dir))
		}
		if err != nil {
			s.err = fmt.Errorf("close: %w", err)
		}
	})
	return s.err
}
